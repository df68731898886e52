using SparseBert.Backends;

namespace SparseBert.Simulator;

/// <summary>
/// What `sparsebert simulate` reports (and `--json` writes, snake_case, in this order): how the compiled model runs on
/// one device, the dense model's latency on the same device for comparison, memory, and for FPGAs the resources.
/// </summary>
public sealed record SimulationReport
{
    public const string CurrentFormat = "sparsebert-simulation/1";

    public string Format { get; init; } = CurrentFormat;
    public required string Device { get; init; }

    /// <summary>"fpga" or "gpu".</summary>
    public required string Kind { get; init; }

    public required string Precision { get; init; }
    public required int SequenceLength { get; init; }

    /// <summary>The block shape the model was compiled with (BSR where the cost model chose it).</summary>
    public required string Block { get; init; }

    /// <summary>FPGA: the format of the on-chip activation buffers ("f32" or "f16"); GPU: null.</summary>
    public string? Activations { get; init; }

    /// <summary>FPGA: the PE × SIMD asked for; GPU: null.</summary>
    public string? Parallel { get; init; }

    public required double LatencyMs { get; init; }
    public required long Cycles { get; init; }
    public required double ClockMhz { get; init; }
    public required long ComputeCycles { get; init; }

    /// <summary>Cycles − ComputeCycles. FPGA: waiting on off-chip memory or a FIFO; GPU: <see cref="MemoryCycles"/> + <see cref="LaunchCycles"/>.</summary>
    public required long StallCycles { get; init; }

    /// <summary>GPU only: the time kernels take beyond their compute because their bytes take longer to move.</summary>
    public long? MemoryCycles { get; init; }

    /// <summary>GPU only: the kernels' launch overheads, one per kernel on one stream.</summary>
    public long? LaunchCycles { get; init; }

    /// <summary>The same architecture with every weight dense, compiled the same way, on the same device.</summary>
    public required double DenseLatencyMs { get; init; }

    public double SpeedupVsDense => LatencyMs > 0 ? DenseLatencyMs / LatencyMs : 0;

    /// <summary>Bytes between chip and off-chip memory per inference: weights (values and indices) and, on a GPU, activations.</summary>
    public required long OffchipBytes { get; init; }

    /// <summary>The compiled model's weights as stored (values + indices).</summary>
    public required long WeightBytes { get; init; }

    /// <summary>Weights plus the activation arena: what must be resident in device memory while it runs.</summary>
    public required long PeakMemoryBytes { get; init; }

    /// <summary>FPGA: what stays on chip (activation buffers and stage-local storage); GPU: the activation arena.</summary>
    public required long OnChipBytes { get; init; }

    public required bool Fits { get; init; }

    /// <summary>FPGA only: used vs available per resource.</summary>
    public Resources? Resources { get; init; }

    /// <summary>FPGA only: the largest PE × SIMD (powers of two, SIMD ≥ PE) whose design fits the device; null when none does.</summary>
    public string? LargestFittingParallel { get; init; }

    /// <summary>
    /// FPGA, when the design does not fit: the longest sequence, at most the model's positions, whose design fits at
    /// this PE × SIMD; 0 when not even one token fits, null when it was not looked for (see <see cref="Simulation.LongestFittingSequence"/>).
    /// </summary>
    public int? LongestFittingSequence { get; init; }

    public required IReadOnlyList<LayerTiming> Layers { get; init; }

    /// <summary>What the numbers assume, in words.</summary>
    public required IReadOnlyList<string> Notes { get; init; }


    /// <summary>
    /// Where the cycles go, for people: on a GPU compute, memory and launch overhead, each with its share; on an FPGA
    /// compute and stall (waiting on memory or a FIFO), which the simulator does not tell apart.
    /// </summary>
    public string CycleSplit()
    {
        (string Name, long Cycles)[] parts = MemoryCycles is { } memory && LaunchCycles is { } launch
            ? [("compute", ComputeCycles), ("memory", memory), ("launch", launch)]
            : [("compute", ComputeCycles), ("stall", StallCycles)];
        return string.Join(", ", parts.Select(p => string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{p.Name} {p.Cycles:N0} ({(Cycles > 0 ? (double)p.Cycles / Cycles : 0):0.#%})")));
    }

    /// <summary>FPGA: the one line about fitting: that it fits, or what would (the largest PE × SIMD at this sequence, the longest sequence at this PE × SIMD).</summary>
    public string FitLine()
    {
        if (Fits) return "fits the device";
        var parallel = LargestFittingParallel is { } p ? $"--parallel {p} fits at --seq {SequenceLength}" : $"no --parallel fits at --seq {SequenceLength}";
        var seq = LongestFittingSequence switch
        {
            null => "",
            0 => $"; no --seq fits at --parallel {Parallel}",
            int n => $"; --seq {n} fits at --parallel {Parallel}",
        };
        return $"does NOT fit the device; {parallel}{seq}";
    }

    public string Serialize() => SnakeCaseJson.Serialize(this);

    public static SimulationReport Deserialize(string json) =>
        SnakeCaseJson.Deserialize<SimulationReport>(json, "the report");
}

public sealed record ResourceUse(long Used, long Available)
{
    public bool Fits => Used <= Available;
}

public sealed record Resources(ResourceUse Dsp, ResourceUse Bram18k, ResourceUse Uram, ResourceUse Lut, ResourceUse Ff)
{
    public bool Fit => Dsp.Fits && Bram18k.Fits && Uram.Fits && Lut.Fits && Ff.Fits;
}

/// <summary>One encoder layer (or "embeddings", "pooler", "classifier") and its ops in execution order.</summary>
public sealed record LayerTiming(string Name, long Cycles, long ComputeCycles, long StallCycles, IReadOnlyList<OpTiming> Ops)
{
    /// <summary>Groups ops by the layer their IR node's name places them in, in order of first appearance.</summary>
    public static IReadOnlyList<LayerTiming> Group(IEnumerable<OpTiming> ops) =>
        ops.GroupBy(o => LayerOf(o.Name))
            .Select(g => new LayerTiming(g.Key, g.Sum(o => o.Cycles), g.Sum(o => o.ComputeCycles), g.Sum(o => o.StallCycles), g.ToList()))
            .ToList();

    /// <summary>"encoder.layer.3.attention.scores" → "encoder.layer.3"; "embeddings.word" → "embeddings".</summary>
    public static string LayerOf(string name)
    {
        var parts = name.Split('.');
        return parts.Length >= 3 && parts[0] == "encoder" && parts[1] == "layer" ? string.Join('.', parts.Take(3)) : parts[0];
    }
}
