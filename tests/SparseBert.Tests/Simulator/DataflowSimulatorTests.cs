using SparseBert.Simulator.Fpga;
using static SparseBert.Simulator.Fpga.HwAction;

namespace SparseBert.Tests.Simulator;

/// <summary>
/// The process-network core on cases worked out by hand (cycle numbers in the comments), in both modes. Conventions:
/// a token pushed in cycle t can be popped from t + 1; a read issued in cycle t of n elements starts latency cycles
/// later and lasts max(n, bytes ÷ bytes per cycle) cycles; the process resumes in the cycle its data is complete.
/// </summary>
public sealed class DataflowSimulatorTests
{
    /// <summary>1 byte per cycle at 250 MHz = 250 MB/s = 250,000 bytes per ms.</summary>
    static MemoryChannel Channel(long latency = 10, long bytesPerMs = 250_000) => new(latency, clockKhz: 250_000, bytesPerMs);

    static DataflowResult Run(DataflowSimulator.Mode mode, int depth, params ProcessProgram[] programs) =>
        DataflowSimulator.Run(programs, [depth], Channel(), mode);

    public static TheoryData<DataflowSimulator.Mode> Modes => new() { DataflowSimulator.Mode.Stepped, DataflowSimulator.Mode.FastForward };

    [Theory]
    [MemberData(nameof(Modes))]
    public void A_compute_bound_consumer_waits_only_for_the_first_token(DataflowSimulator.Mode mode)
    {
        // Producer: works cycles 0-1, pushes in 2 (visible in 3). Consumer stalls 0-2, then each token costs pop + 20.
        var producer = new ProcessProgram().Repeat(10, Work(2), Push(0));
        var consumer = new ProcessProgram().Repeat(10, Pop(0), Work(20));
        var result = Run(mode, 2, consumer, producer);
        Assert.Equal(3 + 10 * 21, result.Cycles);
        Assert.Equal(new ProcessTiming(213, 210, 3, 0), result.Processes[0]);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void A_memory_bound_consumer_waits_for_every_burst(DataflowSimulator.Mode mode)
    {
        // Each burst of 100 × 4 bytes: issued at t, data from t + 10, 400 cycles at 1 byte per cycle → done at t + 410.
        // Burst k completes at c_k = 410 + 411 (k − 1) (push in c_k, next burst issued in c_k + 1); the consumer pops the
        // last token in c_10 + 1 = 4110 and works 4111-4115.
        var producer = new ProcessProgram().Repeat(10, Read(100, 4), Push(0));
        var consumer = new ProcessProgram().Repeat(10, Pop(0), Work(5));
        var result = Run(mode, 2, consumer, producer);
        Assert.Equal(4116, result.Cycles);
        Assert.Equal(60, result.Processes[0].BusyCycles);
        Assert.Equal(4056, result.Processes[0].FifoStallCycles);
        Assert.Equal(4000, result.BytesRead);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void A_fifo_too_shallow_for_a_burst_of_tokens_delays_the_producer(DataflowSimulator.Mode mode)
    {
        // The producer writes 4 tokens, then has 100 cycles of other work; the consumer takes 11 cycles per token.
        ProcessProgram Producer() => new ProcessProgram().Repeat(4, Push(0)).Then(Work(100));
        ProcessProgram Consumer() => new ProcessProgram().Repeat(4, Pop(0), Work(10));

        // Depth 4: pushes in 0-3, work 4-103.
        var deep = Run(mode, 4, Consumer(), Producer());
        Assert.Equal(104, deep.Cycles);
        Assert.Equal(0, deep.Processes[1].FifoStallCycles);

        // Depth 1: push 0; full in 1 (the pop in 1 frees the slot from 2); push 2; full 3-12 (pop in 12); push 13;
        // full 14-23 (pop in 23); push 24; work 25-124.
        var shallow = Run(mode, 1, Consumer(), Producer());
        Assert.Equal(125, shallow.Cycles);
        Assert.Equal(21, shallow.Processes[1].FifoStallCycles);
        Assert.Equal(45, shallow.Processes[0].FinishCycle);
    }

    [Fact]
    public void Reads_of_two_processes_share_the_bus_in_request_order()
    {
        // Both issue in cycle 0: the first gets data 10-409, the second waits for the bus: 410-809.
        var a = new ProcessProgram().Then(Read(100, 4));
        var b = new ProcessProgram().Then(Read(100, 4));
        var result = DataflowSimulator.Run([a, b], [1], Channel());
        Assert.Equal(410, result.Processes[0].FinishCycle);
        Assert.Equal(810, result.Processes[1].FinishCycle);
    }

    [Fact]
    public void A_long_read_is_cut_into_bursts_with_at_most_sixteen_in_flight()
    {
        // 512 elements = 32 bursts of 16, latency 1000, bandwidth no limit (a beat per cycle). Bursts 0-15 are requested
        // in cycle 0: data 1000-1016, then back to back to 1256. Burst 16 is requested when burst 0 is done (1016): data
        // from 2016 to 2032; bursts 17-31 follow back to back: done at 2016 + 16 × 16 = 2272.
        var reader = new ProcessProgram().Then(Read(512, 4));
        var result = DataflowSimulator.Run([reader], [1], Channel(latency: 1000, bytesPerMs: 1_000_000_000));
        Assert.Equal(2272, result.Cycles);
        Assert.Equal(2048, result.BytesRead);
    }

    [Fact]
    public void Fast_forward_replays_repeated_periods_and_ends_where_stepping_ends()
    {
        var random = new Random(7);
        for (int trial = 0; trial < 40; trial++)
        {
            int tiles = random.Next(1, 5), depth = random.Next(1, 6);
            long blocks = random.Next(1, 200);
            var fetch = new ProcessProgram().Repeat(blocks, [Read(random.Next(1, 300), random.Next(1, 5)), Work(random.Next(1, 4)), .. Enumerable.Repeat(Push(0), tiles)]);
            var compute = new ProcessProgram().Then(Work(random.Next(1, 50)));
            var perTile = new[] { Pop(0), Work(random.Next(1, 400), loop: 0, iterations: 1) };
            compute.Repeat(blocks, [Read(1, 4, loop: 1), .. Enumerable.Range(0, tiles).SelectMany(_ => perTile)]).Then(Work(random.Next(1, 50)));
            long latency = random.Next(0, 80), bandwidth = random.Next(50_000, 5_000_000);

            var stepped = DataflowSimulator.Run([compute, fetch], [depth], new MemoryChannel(latency, 250_000, bandwidth), DataflowSimulator.Mode.Stepped);
            var fast = DataflowSimulator.Run([compute, fetch], [depth], new MemoryChannel(latency, 250_000, bandwidth), DataflowSimulator.Mode.FastForward);
            Assert.Equal(stepped.Cycles, fast.Cycles);
            Assert.Equal(stepped.Processes, fast.Processes);
            Assert.Equal(stepped.LoopIterations, fast.LoopIterations);
            Assert.Equal(stepped.BytesRead, fast.BytesRead);
            Assert.Equal(blocks * tiles, fast.LoopIterations[0]);
            Assert.Equal(0, stepped.ReplayedPeriods);
            if (blocks > 20) Assert.True(fast.ReplayedPeriods > 0, $"trial {trial}: {blocks} identical blocks were never replayed");
        }
    }

    [Fact]
    public void A_deadlock_is_reported_not_hung()
    {
        var consumer = new ProcessProgram().Then(Pop(0));
        var error = Assert.Throws<InvalidOperationException>(() => DataflowSimulator.Run([consumer], [1], Channel()));
        Assert.Contains("deadlock", error.Message);
    }
}
