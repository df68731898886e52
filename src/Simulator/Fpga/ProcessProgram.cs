namespace SparseBert.Simulator.Fpga;

/// <summary>What a hardware process does next.</summary>
public enum ActionKind : byte
{
    /// <summary>Busy for Amount cycles: a pipelined loop (iterations × II plus its fill) or a fixed-latency step.</summary>
    Work,

    /// <summary>Reads Amount elements of Width bytes from off-chip memory and waits until the last one arrives.</summary>
    Read,

    /// <summary>Writes one token into FIFO Fifo; blocks while it is full.</summary>
    Push,

    /// <summary>Takes one token from FIFO Fifo; blocks while it is empty.</summary>
    Pop,
}

/// <summary>
/// One action of a process. Loop names the loop of the HLS schedule this action runs iterations of (−1: none), and
/// Iterations how many; the simulator counts them as it executes, which is what is compared with the csim counters.
/// </summary>
public readonly record struct HwAction(ActionKind Kind, long Amount, int Width = 0, int Fifo = 0, int Loop = -1, long Iterations = 0)
{
    public static HwAction Work(long cycles, int loop = -1, long iterations = 0) => new(ActionKind.Work, cycles, Loop: loop, Iterations: iterations);
    /// <summary>A read of <paramref name="elements"/> by a loop of <paramref name="iterations"/> iterations (by default one per element).</summary>
    public static HwAction Read(long elements, int bytes, int loop = -1, long? iterations = null) =>
        new(ActionKind.Read, elements, bytes, Loop: loop, Iterations: iterations ?? elements);
    public static HwAction Push(int fifo) => new(ActionKind.Push, 1, Fifo: fifo);
    public static HwAction Pop(int fifo) => new(ActionKind.Pop, 1, Fifo: fifo);
}

/// <summary>A body of actions run Count times in a row: a loop the simulator can fast-forward through when it repeats.</summary>
public sealed record Segment(long Count, IReadOnlyList<HwAction> Body);

/// <summary>A hardware process (a DATAFLOW process or a sequential function) as the list of segments it runs, in order.</summary>
public sealed class ProcessProgram
{
    readonly List<Segment> _segments = [];

    public IReadOnlyList<Segment> Segments => _segments;

    /// <summary>Appends Count repetitions of body; empty bodies, zero counts and zero-cycle work are dropped.</summary>
    public ProcessProgram Repeat(long count, params HwAction[] body)
    {
        var kept = body.Where(a => a.Amount > 0).ToArray();
        if (count > 0 && kept.Length > 0) _segments.Add(new Segment(count, kept));
        return this;
    }

    public ProcessProgram Then(params HwAction[] body) => Repeat(1, body);

    /// <summary>Iterations of each loop the program runs, by loop index.</summary>
    public IEnumerable<(int Loop, long Iterations)> LoopIterations() =>
        _segments.SelectMany(s => s.Body.Where(a => a.Loop >= 0).Select(a => (a.Loop, s.Count * a.Iterations)));
}
