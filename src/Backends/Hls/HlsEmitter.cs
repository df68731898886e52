using System.Globalization;
using System.Text;
using SparseBert.Frontend;
using SparseBert.Frontend.Formats;
using SparseBert.IR;
using SparseBert.IR.Interpretation.Kernels;

namespace SparseBert.Backends.Hls;

/// <summary>
/// Writes a compiled design as a Vitis HLS project folder: firmware, engines, weights, testbench with its data and
/// golden outputs, build scripts, hls_config.json and a README. Text is rendered from the templates with models built
/// here from the schedule and the lowered graph; every file is a pure function of the design, so a rerun gives the
/// same bytes. Checkpoint names reach generated code only as comments, through <see cref="Symbols.Comment"/>.
/// </summary>
public static class HlsEmitter
{
    static readonly EmbeddedTemplates Templates = new(typeof(HlsEmitter).Assembly);

    /// <summary>The engine headers, all emitted whatever the model uses, so every design has the same firmware/engines/.</summary>
    static readonly string[] Engines = ["common.h", "gelu.h", "dense_matmul.h", "bsr_matmul.h", "layer_norm.h", "softmax.h", "elementwise.h", "layout.h", "fixed_point.h"];

    /// <summary>Graph inputs and outputs keep their Hugging Face names as ports; anything else gets a sanitized symbol.</summary>
    static readonly HashSet<string> KnownPorts = [BertGraph.InputIds, BertGraph.TokenTypeIds, BertGraph.AttentionMask,
        BertGraph.LastHiddenState, BertGraph.PoolerOutput, BertGraph.Logits];

    /// <summary>A port of the top function: a pointer, the elements it covers (bytes for weights), its AXI bundle.</summary>
    public sealed record Port(string Type, string Name, string Upper, long Elements, string Bundle);

    /// <summary>What the headers of several files show; every string is already safe to print in a comment.</summary>
    public sealed record Header(string Model, string Device, string Board, string Part, string ClockMhz, string ClockPeriodNs,
        string Precision, string Parallel, string Block, int Seq, long WeightBytes, IReadOnlyList<Port> Ports, int CounterCount);

    /// <summary>Writes every file of the design under <paramref name="directory"/> (created if needed; existing files are overwritten).</summary>
    public static void Write(HlsDesign design, string directory)
    {
        var lowered = design.Lowered;
        var schedule = design.Schedule;
        var device = design.Options.Device;
        var symbols = new Symbols("port_");
        string PortName(string name) => KnownPorts.Contains(name) ? name : symbols.Make(name);
        var inputPorts = lowered.Inputs.ToDictionary(i => i.Name, i => PortName(i.Name));
        var tolerance = schedule.Tolerance ?? throw new ArgumentException("the design has no testbench tolerance (a schedule planned for simulation only)", nameof(design));
        var outputPorts = lowered.Outputs.Select(o => (o.Name, Port: PortName(o.Name), o.Buffer)).ToList();
        static string Upper(string name) => name.ToUpperInvariant();

        List<Port> ports =
        [
            .. lowered.Inputs.Select(i => new Port("const int32_t*", inputPorts[i.Name], Upper(inputPorts[i.Name]), i.Shape.ElementCount, "gmem_in")),
            new("const uint8_t*", "weights", "WEIGHTS", lowered.WeightBytes, "gmem_w"),
            .. outputPorts.Select(o => new Port("float*", o.Port, Upper(o.Port), o.Buffer.Shape.ElementCount, "gmem_out")),
        ];
        var arguments = lowered.Steps.Select((step, i) => StageCode.Arguments(step, schedule.Stages[i], inputPorts)).ToList();
        var engines = schedule.Instances.Select(instance => EngineCode.Build(instance,
            [.. arguments.Where((_, i) => schedule.Stages[i].Instance == instance.Id)])).ToList();
        var calls = lowered.Steps.Select((step, i) => new
        {
            schedule.Stages[i].Index, Comment = Symbols.Comment(step.Op.Name), schedule.Stages[i].Op,
            Function = engines[schedule.Stages[i].Instance].Symbol, Args = arguments[i].Select(a => a.Value),
        }).ToList();
        var counters = schedule.Stages.Where(s => s.Bsr is not null).OrderBy(s => s.Bsr!.Counter).Select(s => s.Step).ToList();

        var header = new Header(
            Symbols.Comment(design.Model), Symbols.Comment(device.Name), Symbols.Comment(device.Board ?? device.Name), device.Part,
            device.ClockMhz.ToString(CultureInfo.InvariantCulture), device.ClockPeriodNs.ToString("F3", CultureInfo.InvariantCulture),
            schedule.Precision, schedule.Parallel, schedule.Block, schedule.SequenceLength, lowered.WeightBytes, ports, counters.Count);

        var files = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["firmware/sparsebert.h"] = Templates.Render("sparsebert.h", header),
            ["firmware/sparsebert_top.cpp"] = Templates.Render("sparsebert_top.cpp", new
            {
                header.Model, header.Device, header.Part, header.ClockMhz, header.Precision, header.Parallel, Ports = ports,
                Engines = engines, Shared = engines.Where(e => e.Calls > 1).Select(e => e.Symbol), Calls = calls,
                Buffers = schedule.Buffers.Select(b => new
                {
                    b.Id, Elements = (b.Bytes + sizeof(float) - 1) / sizeof(float), Partitioned = b.PartitionFactor > 1, Banks = b.PartitionFactor,
                }),
                HasScratch = schedule.Int8ScratchBytes > 0,
                ScratchBytes = schedule.Int8ScratchBytes,
                Copies = outputPorts.Select(o => new { Elements = o.Buffer.Shape.ElementCount, Buffer = o.Buffer.Buffer, o.Port }),
                CounterSlots = Math.Max(1, counters.Count),
                CounterSteps = counters,
            }),
            ["weights/weights_layout.h"] = Templates.Render("weights_layout.h", new { TotalBytes = lowered.WeightBytes, Weights = lowered.Weights.Select(WeightModel) }),
            ["tb/tb_sparsebert.cpp"] = Templates.Render("tb_sparsebert.cpp", new
            {
                Tolerance = CppText.Double(tolerance.Relative),
                ToleranceNote = Symbols.Comment(tolerance.Basis),
                Inputs = lowered.Inputs.Select(i => new { Name = inputPorts[i.Name], Upper = Upper(inputPorts[i.Name]) }),
                Outputs = outputPorts.Select(o => new { Name = o.Port, Upper = Upper(o.Port), Shape = string.Join(", ", OutputShape(o.Name, o.Buffer.Shape)) }),
            }),
            ["tb/npy.h"] = Templates.Render("npy.h", new { }),
            ["Makefile"] = Templates.Render("Makefile", new { }),
            ["build_prj.tcl"] = Templates.Render("build_prj.tcl", header),
            ["hls_config.json"] = schedule.Serialize(),
            ["README.md"] = Readme(design, header, inputPorts.Values, engines),
        };
        foreach (var engine in Engines)
            files["firmware/engines/" + engine] = Templates.Render(engine, new { Lut = design.GeluLut is { } table ? LutModel(table, schedule.GeluLut!) : null, FixedPoint = FixedPointModel });
        foreach (var input in lowered.Inputs)
            files[$"tb_data/{inputPorts[input.Name]}.txt"] = string.Join(" ", InputValues(design.Inputs, input.Name).Select(v => v.ToString(CultureInfo.InvariantCulture))) + "\n";

        foreach (var (path, text) in files)
            File.WriteAllText(Create(directory, path), text.ReplaceLineEndings("\n"), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        using (var blob = new FileStream(Create(directory, "weights/weights.bin"), FileMode.Create, FileAccess.Write))
            WeightBlob.Write(blob, lowered.Weights);
        foreach (var (name, port, _) in outputPorts)
        {
            var tensor = design.Golden[name];
            NpyFile.Write(Create(directory, $"golden/{port}.npy"), OutputShape(name, tensor.Shape), tensor.Floats);
        }
    }

    /// <summary>As `sparsebert run` writes outputs: with a batch axis of 1 (last_hidden_state gains one; the others have it as their first axis).</summary>
    public static int[] OutputShape(string output, Shape shape) => [1, .. shape.Dims.Skip(output == BertGraph.LastHiddenState ? 0 : 1)];

    static string Create(string directory, string relative)
    {
        var path = Path.Combine(directory, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return path;
    }

    static int[] InputValues(BertInputs inputs, string name) => name switch
    {
        BertGraph.InputIds => inputs.Ids,
        BertGraph.TokenTypeIds => inputs.TokenTypeIds,
        BertGraph.AttentionMask => inputs.AttentionMask,
        _ => throw new ArgumentException($"the testbench has no values for graph input '{BadInputException.Printable(name, 40)}'"),
    };

    static object WeightModel(BlobWeight weight)
    {
        var blocks = weight.Data switch { BsrData b => b.Index, Int8WeightData q => q.Blocks, _ => null };
        var dims = weight.Data.Type.Shape.Dims;
        return new
        {
            weight.Symbol,
            Comment = Symbols.Comment(weight.Name),
            Format = weight.Data.FormatName,
            Shape = string.Join(", ", dims),
            Dims = dims,
            Block = blocks is null ? null : new { blocks.Block.Rows, blocks.Block.Cols, Nonzero = blocks.NonzeroBlocks },
            weight.Arrays,
        };
    }

    /// <summary>The interpreter's bounds and bit layout of the integer ops, which fixed_point.h must share to compute the same integers.</summary>
    static readonly object FixedPointModel = new
    {
        GeluBound = FixedPointKernels.GeluInputBound, SoftmaxBound = FixedPointKernels.SoftmaxInputBound, LayerNormBound = FixedPointKernels.LayerNormInputBound,
        ProbabilityBits = FixedPointKernels.SoftmaxProbabilityBits, ProbabilityOne = 1L << FixedPointKernels.SoftmaxProbabilityBits,
        FactorBits = FixedPointKernels.LayerNormFactorBits, NormShift = FixedPointKernels.LayerNormShift,
    };

    static object LutModel(float[] table, HlsGeluLut lut) => new
    {
        Points = table.Length,
        StepsPerUnit = (lut.Intervals / (2 * lut.Range)).ToString(CultureInfo.InvariantCulture),
        Range = lut.Range.ToString(CultureInfo.InvariantCulture),
        RangeLiteral = CppText.Float((float)lut.Range),
        StepsPerUnitLiteral = CppText.Float((float)(lut.Intervals / (2 * lut.Range))),
        lut.Intervals,
        MaxAbsError = lut.MaxAbsError.ToString("0.00E+0", CultureInfo.InvariantCulture),
        Rows = table.Chunk(8).Select(row => string.Join(" ", row.Select(v => CppText.Float(v) + ","))),
    };

    static string Readme(HlsDesign design, Header header, IEnumerable<string> inputs, IReadOnlyList<EngineCode> engines)
    {
        var schedule = design.Schedule;
        var (fit, notes) = HlsFit.Estimate(schedule, design.Options.Device);
        var tolerance = schedule.Tolerance!; // Write checked it
        var precision = new List<string>
        {
            schedule.Precision == "int8"
                ? "int8: every dense or BSR linear runs W8A8 (weights per output channel, activations per tensor as calibrated, " +
                  "int32 sums, dequantized in f32), exactly as the interpreter's quantized_linear; " +
                  (schedule.FixedPoint
                      ? "GELU, softmax and layer norm run the interpreter's integer int_gelu, int_softmax and int_layer_norm (I-BERT; " +
                        "engines/fixed_point.h, with integer constants derived per op by the compiler); attention products, residual adds and the pooler stay f32."
                      : "layer norm, softmax and attention stay f32.")
                : "fp32: every engine computes the interpreter's f32 definition; only summation order differs.",
            $"Testbench tolerance: {tolerance.Relative.ToString("G3", CultureInfo.InvariantCulture)} of max |golden| per output ({tolerance.Basis}).",
        };
        if (schedule.GeluLut is { } lut)
            precision.Add($"GELU (erf) in int8 designs: a {lut.Intervals + 1}-point table over [−{lut.Range}, {lut.Range}] with linear interpolation; " +
                          $"measured max |error| {lut.MaxAbsError.ToString("0.00E+0", CultureInfo.InvariantCulture)} against the interpreter's GELU.");
        return Templates.Render("README.md", new
        {
            header.Model, header.Device, header.Board, header.Part, header.ClockMhz, header.Precision, header.Parallel, header.Block, header.Seq,
            WeightMB = (design.Lowered.WeightBytes / 1e6).ToString("F2", CultureInfo.InvariantCulture),
            InputNames = string.Join(", ", inputs.Select(i => $"`{i}.txt`")),
            ToleranceText = $"{tolerance.Relative.ToString("G3", CultureInfo.InvariantCulture)} ({tolerance.Basis})",
            Fit = fit,
            FitNotes = notes,
            Stages = schedule.Stages.Select(s => new
            {
                s.Index, s.Step, s.Op, s.Engine, s.Instance, s.Pe, s.Simd,
                Tile = $"{s.Tile.Rows}×{s.Tile.Cols}",
                MacIterations = s.Macs > 0 ? s.Loops.Single(l => l.Name == "rows").TripCount.ToString("N0", CultureInfo.InvariantCulture) : "",
                Blocks = s.Bsr is { } b ? $"{b.NonzeroBlocks} of {(long)b.BlockRowCount * b.BlockColCount}" : "",
            }),
            Instances = engines,
            PrecisionNotes = precision,
        });
    }
}
