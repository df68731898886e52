using System.Text.Json;
using SparseBert.Backends.Hls;
using SparseBert.IR;
using SparseBert.IR.Analysis;
using SparseBert.IR.Interpretation.Kernels;
using SparseBert.Passes;
using SparseBert.Tests.Cli;
using static SparseBert.Tests.Backends.Hls.HlsTestKit;

namespace SparseBert.Tests.Backends.Hls;

/// <summary>What the HLS backend decides and writes, checked without a C++ compiler.</summary>
public sealed class HlsEmitterTests
{
    [Fact]
    public void The_same_design_compiled_twice_gives_byte_identical_folders()
    {
        var block = new BlockShape(16, 4);
        using var folder = new TestFolder();
        foreach (var name in new[] { "a", "b" })
            HlsEmitter.Write(HlsCompiler.Compile(Model(Tiny, block), Inputs(Tiny), Options(block, HlsPrecision.Int8)), folder[name]);

        var files = Directory.EnumerateFiles(folder["a"], "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(folder["a"], f)).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(files, Directory.EnumerateFiles(folder["b"], "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(folder["b"], f)).Order(StringComparer.Ordinal));
        Assert.Contains(Path.Combine("weights", "weights.bin"), files);
        Assert.Contains(Path.Combine("golden", "pooler_output.npy"), files);
        foreach (var file in files)
            Assert.True(File.ReadAllBytes(Path.Combine(folder["a"], file)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(folder["b"], file))), $"{file} differs between runs");
    }

    [Fact]
    public void The_schedule_round_trips_through_json_and_describes_every_step()
    {
        var block = new BlockShape(32, 32);
        var design = HlsCompiler.Compile(Model(Tiny, block), Inputs(Tiny), Options(block));
        var json = design.Schedule.Serialize();
        Assert.Equal(json, HlsSchedule.Deserialize(json).Serialize());
        using var document = JsonDocument.Parse(json);
        Assert.Equal(HlsSchedule.CurrentFormat, document.RootElement.GetProperty("format").GetString());
        Assert.Equal(design.Lowered.Steps.Count, document.RootElement.GetProperty("stages").GetArrayLength());
        Assert.True(document.RootElement.GetProperty("stages")[0].TryGetProperty("expected_ii", out _));

        var plan = design.Lowered.Plan;
        foreach (var (stage, step) in design.Schedule.Stages.Zip(design.Lowered.Steps))
        {
            Assert.Equal(step.Symbol, stage.Step);
            Assert.Equal(step.Output.Buffer, stage.OutputBuffer);
            Assert.True(stage.OutputBytes <= plan.BufferBytes[stage.OutputBuffer], $"{stage.Step} writes more than its buffer holds");
            Assert.Equal(stage.Loops.Where(l => l.Pipelined && !l.Fetch).Sum(l => l.TripCount), stage.PipelinedIterations);
            Assert.Equal(1, stage.ExpectedII);
        }
        Assert.All(design.Schedule.Buffers, b => Assert.Equal(plan.BufferBytes[b.Id], b.Bytes));
    }

    [Theory]
    [InlineData("3x5", null)]
    [InlineData("8x16", "16x4")]
    [InlineData("64x64", "32x1")]
    [InlineData("2x2", "8x8")]
    public void Each_stage_takes_the_largest_pe_and_simd_that_divide_its_sides_and_that_its_weight_fetch_can_feed(string parallel, string? blockText)
    {
        var block = blockText is null ? null : BlockShape.Parse(blockText, "test");
        var design = HlsCompiler.Compile(Model(Tiny, block), Inputs(Tiny), Options(block, parallel: parallel));
        var asked = Parallelism.Parse(parallel, "test");
        static int Largest(int side, int atMost) => Enumerable.Range(1, Math.Max(1, atMost)).Last(d => side % d == 0);
        foreach (var (stage, step) in design.Schedule.Stages.Zip(design.Lowered.Steps).Where(p => p.First.Macs > 0))
        {
            var (rows, cols) = stage.Bsr is { } b ? (b.BlockRows, b.BlockCols)
                : step.Op is MatMul ? (step.Output.Shape[2], HlsScheduler.ShapeOf(step.Inputs[0])[2])
                : (step.Output.Shape[1], HlsScheduler.ShapeOf(step.Inputs[0])[1]);
            int pe = Largest(rows, asked.Pe), simd = Largest(cols, asked.Simd);
            if (step.Op is not MatMul)
            {
                // A linear uses at most (its rows × the fetch's elements per cycle) lanes: SIMD gives way first, then PE.
                int lanes = HlsScheduler.ShapeOf(step.Inputs[0])[0] * HlsScheduler.FetchElementsPerCycle;
                simd = Largest(cols, Math.Min(simd, lanes / pe));
                if (pe * simd > lanes) pe = Largest(rows, lanes);
                Assert.True(stage.Pe * stage.Simd <= Math.Max(1, lanes), $"{stage.Step}: {stage.Pe}x{stage.Simd} lanes for {lanes} the fetch can feed");
            }
            Assert.Equal((pe, simd), (stage.Pe, stage.Simd));
        }
    }

    [Fact]
    public void Csr_and_nm_weights_become_bsr_with_the_same_values()
    {
        var model = Model(Tiny, new BlockShape(8, 8));
        var graph = SparseBert.Frontend.BertGraph.Build(model, 8);
        var context = new PassContext();
        var manager = new PassManager();
        var csr = manager.Run(new Pipeline("t", [new ConvertToSparseFormats(new BlockShape(8, 8), FormatPolicy.ForceCsr)]), graph, context);
        var restricted = manager.Run(new Pipeline("t", [new RestrictFormatsForHls(new BlockShape(8, 8))]), csr, context);

        Assert.Contains(csr.Constants, c => c.Node.Data is CsrData);
        Assert.DoesNotContain(restricted.Constants, c => c.Node.Data is CsrData or NmData);
        foreach (var (before, after) in csr.Constants.Zip(restricted.Constants).Where(p => p.First.Node.Data is CsrData))
        {
            Assert.IsType<BsrData>(after.Node.Data);
            Assert.Equal(before.Node.Data.ToDense().Floats, after.Node.Data.ToDense().Floats);
        }
        Assert.Contains(context.Notes, n => n.StartsWith("restrict-formats-for-hls:", StringComparison.Ordinal));
    }

    [Fact]
    public void The_gelu_table_matches_the_interpreter_within_its_measured_error()
    {
        var table = GeluTable.Values();
        var lut = GeluTable.Measure(table);
        Assert.Equal(GeluTable.Intervals + 1, table.Length);
        Assert.InRange(lut.MaxAbsError, 1e-7, 5e-5);
        var x = new float[] { -9f, -8f, -3.3f, -0.5f, 0f, 0.7f, 2.25f, 7.999f, 8f, 12f };
        var reference = new float[x.Length];
        Activations.GeluErf(x, reference);
        for (int i = 0; i < x.Length; i++) Assert.InRange(Math.Abs(GeluTable.Evaluate(table, x[i]) - reference[i]), 0, lut.MaxAbsError);
    }

    [Fact]
    public void Every_shipped_device_names_a_part_a_clock_and_its_sources()
    {
        Assert.Equal(["kv260", "pynq-z2", "u200", "u280", "u50", "zcu102", "zcu104"], HlsDevice.Builtin);
        foreach (var name in HlsDevice.Builtin)
        {
            var device = HlsDevice.Load(name);
            Assert.Equal(name, device.Name);
            Assert.Equal("fpga", device.Kind);
            Assert.InRange(device.ClockMhz, 100, 300);
            Assert.True(device.Dsp > 0 && device.Bram18k > 0 && device.Lut > 0 && device.Ff > 0 && device.MemoryBandwidthGbps > 0);
            Assert.True(device.MemoryChannels >= 1 && device.MemoryLatencyNs > 0);
            foreach (var field in new[] { "part", "clock_mhz", "resources", "memory_bandwidth_gbps", "memory_channels", "memory_latency_ns" })
                Assert.False(string.IsNullOrWhiteSpace(device.Sources?.GetValueOrDefault(field)), $"{name}: no source for {field}");
        }
        Assert.Equal("xczu9eg-ffvb1156-2-e", HlsDevice.Load("zcu102").Part);
        Assert.Equal("xcu280-fsvh2892-2L-e", HlsDevice.Load("u280").Part);
    }

    [Fact]
    public void A_device_file_given_by_path_is_read_and_a_part_with_tcl_syntax_is_refused()
    {
        using var folder = new TestFolder();
        var u50 = HlsDevice.Load("u50");
        File.WriteAllText(folder["mine.json"], JsonSerializer.Serialize(u50 with { Name = "mine", ClockMhz = 250 }));
        Assert.Equal(("mine", 4.0), (HlsDevice.Load(folder["mine.json"]).Name, HlsDevice.Load(folder["mine.json"]).ClockPeriodNs));
        File.WriteAllText(folder["minimal.json"], """
            {"name": "lab", "kind": "fpga", "part": "xczu3eg-sbva484-1-e", "clock_mhz": 200, "dsp": 360, "bram18k": 432,
             "uram": 0, "lut": 70560, "ff": 141120, "memory_bandwidth_gbps": 4.2, "memory_channels": 1, "memory_latency_ns": 200}
            """);
        Assert.Equal("xczu3eg-sbva484-1-e", HlsDevice.Load(folder["minimal.json"]).Part);
        File.WriteAllText(folder["bad.json"], JsonSerializer.Serialize(u50 with { Part = "x]; exec rm -rf /; [" }));
        var error = Assert.Throws<BadInputException>(() => HlsDevice.Load(folder["bad.json"]));
        Assert.Contains("is not a part number", error.Message);
    }

    [Fact]
    public void The_compile_command_refuses_unknown_targets_devices_and_precisions()
    {
        using var folder = new TestFolder();
        SparseBert.Frontend.SyntheticBert.Write(folder["model"], CliHarness.SmallConfig, seed: 5);
        string[] Args(params string[] extra) => ["compile", folder["model"], .. extra, "--out", folder["out"]];
        CliHarness.AssertBadInput(Args("--target", "tpu"), "--target", "'tpu' is not a target", "targets: hls");
        CliHarness.AssertBadInput(Args(), "--target is required");
        CliHarness.AssertBadInput(Args("--target", "hls", "--device", "zcu999"), "--device", "not a known device", "zcu102");
        CliHarness.AssertBadInput(Args("--target", "hls", "--precision", "fp16"), "--precision must be fp32 or int8");
        CliHarness.AssertBadInput(Args("--target", "hls", "--fixed-point"), "--fixed-point needs --precision int8");
        CliHarness.AssertBadInput(Args("--target", "hls", "--parallel", "8x0"), "--parallel", "is not PExSIMD");
        Assert.False(Directory.Exists(folder["out"]));
    }
}
