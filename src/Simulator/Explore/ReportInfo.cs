namespace SparseBert.Simulator.Explore;

/// <summary>
/// What the explore report says about how it was made. Nothing here may change from run to run of the same sweep (no
/// dates, no host names, no timings of the tool itself): the same inputs must give a byte-identical page.
/// </summary>
/// <param name="Model">the model explored, in words, e.g. "bert-base-uncased (12 layers, hidden 768), sequence 128"</param>
/// <param name="CommandLine">the `sparsebert explore` command that produced the results</param>
/// <param name="CalibrationSamples">how many inputs the fidelity columns were measured on</param>
public sealed record ReportInfo(string Model, string CommandLine, int CalibrationSamples)
{
    /// <summary>Further settings worth stating (precision, sequence length, seed…), as name and value, in the order shown.</summary>
    public IReadOnlyList<(string Name, string Value)> Settings { get; init; } = [];

    /// <summary>The fidelity floors of the recommendation table, in the order of its columns.</summary>
    public IReadOnlyList<double> FidelityFloors { get; init; } = Recommendation.DefaultFloors;

    /// <summary>
    /// What <see cref="CommandLine"/> asked for. A sweep resumed in a folder keeps the points earlier runs put there, so
    /// the page can hold more than the command names: the header then says how many points come from earlier runs.
    /// Null when unknown; the header always lists what the page holds.
    /// </summary>
    public SweepGrid? Asked { get; init; }

    /// <summary>Devices without a fabric (GPUs): their DSP, BRAM and URAM columns do not apply.</summary>
    public IReadOnlyCollection<string> GpuDevices { get; init; } = [];

    /// <summary>The task the points were scored on, with the dense model's score; null when fidelity is the output cosine alone.</summary>
    public TaskReference? Task { get; init; }

    /// <summary>The fidelity the report ranks and draws by: the task's accuracy when there is one, else the cosine.</summary>
    public FidelityMeasure Fidelity => FidelityMeasure.For(Task);
}
