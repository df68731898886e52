using SparseBert.Backends.Cuda;
using SparseBert.Backends.Hls;
using SparseBert.IR.Analysis;
using SparseBert.Simulator.Devices;

namespace SparseBert.Cli.Commands;

/// <summary>
/// `sparsebert compile --target hls`: optimizes the model, lowers it and writes a Vitis HLS project (firmware, engines,
/// weights, a C-simulation testbench with golden outputs from the interpreter, build scripts and the schedule).
/// </summary>
public sealed class CompileCommand : ICommand
{
    static readonly string[] Targets = ["hls", "cuda"];

    public string Name => "compile";
    public string Summary => "compile the optimized model for hardware: a Vitis HLS project with a C-simulation testbench (--target hls) " +
                             "or an nvcc project with a host runner that checks against golden outputs (--target cuda)";

    public IReadOnlyList<ArgumentSpec> Arguments { get; } = [ModelArguments.Model];

    public IReadOnlyList<OptionSpec> Options { get; } =
    [
        new("target", "hls|cuda", "what to compile for: hls (Vitis HLS project) or cuda (nvcc project with a host runner)", Required: true),
        new("device", "NAME|FILE", $"hls: target board: {string.Join(", ", HlsDevice.Builtin)}, or a device .json file", Default: "zcu102"),
        new("precision", "fp32|int8|fp16", "fp32; hls: int8 linears calibrated on synthetic inputs; cuda: fp16 weights and tensor cores", Default: "fp32"),
        new("fixed-point", null, "hls, with --precision int8: layer norm, softmax and GELU in integer arithmetic too (I-BERT approximations)"),
        ActivationsArgument.Option("hls: the "),
        new("arch", "sm_80,sm_87,sm_90", "cuda: GPU architectures to build for (default sm_80,sm_87,sm_90)"),
        new("weights-recipe", "SEED", "cuda, for a model from `synth --values portable --seed SEED` (pruned or not): also write weights.recipe " +
                                      "and regen_weights.c, from which `make weights.bin` rebuilds weights.bin without .NET"),
        new("parallel", "PExSIMD", "hls: MAC array per matrix stage: output channels × input features per cycle", Default: "8x16"),
        new("block", "RxC", "BSR block shape", Default: "16x16"),
        ModelArguments.Config, .. ModelArguments.Inputs,
        new("out", "DIR", "folder for the project", Required: true),
        ModelArguments.Force,
    ];

    public int Execute(CommandLine args, TextWriter output)
    {
        var target = args.Require("target");
        if (!Targets.Contains(target))
            throw new UsageException($"--target: '{IR.BadInputException.Printable(target, 20)}' is not a target; targets: {string.Join(", ", Targets)}");
        var outDir = args.Require("out");
        OutputPaths.Folder("--out", outDir);
        if (!args.Has("force")) OutputPaths.NotOverModel("--out", outDir, args.Positional(0, "MODEL"));
        if (target == "cuda") return CompileCuda(args, outDir, output);
        if (args.Has("arch") || args.Has("weights-recipe")) throw new UsageException("--arch and --weights-recipe are for --target cuda");
        var precision = args.Require("precision");
        if (args.Has("fixed-point") && precision != "int8") throw new UsageException("--fixed-point needs --precision int8");
        var options = new HlsOptions
        {
            Device = HlsDevice.Load(args.Require("device"), "--device"),
            Precision = precision switch
            {
                "fp32" => HlsPrecision.Fp32,
                "int8" => HlsPrecision.Int8,
                _ => throw new UsageException($"--precision must be fp32 or int8, got '{IR.BadInputException.Printable(precision, 20)}'"),
            },
            Parallel = Parallelism.Parse(args.Require("parallel"), "--parallel"),
            Block = BlockShape.Parse(args.Require("block"), "--block"),
            FixedPoint = args.Has("fixed-point"),
            Activations = ActivationsArgument.Parse(args),
        };
        using var folder = new OutputFolder(outDir, force: args.Has("force"));
        var model = ModelArguments.LoadModel(args, output);
        var inputs = ModelArguments.ReadInputs(args, model.Config, output);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var design = StepProgress.Run(output, "compiling for " + options.Device.Name, () => HlsCompiler.Compile(model, inputs, options));
        foreach (var note in design.Notes) output.Info(note);
        HlsEmitter.Write(design, folder.Staging);
        folder.Commit();
        var schedule = design.Schedule;
        output.WriteLine($"compiled {schedule.Stages.Count} stages for {options.Device.Name} ({options.Device.Part}, {options.Device.ClockMhz} MHz), " +
                         $"{schedule.Precision}{(schedule.FixedPoint ? " fixed-point" : "")}, {schedule.Activations} activations, {inputs.Length} tokens, weights {design.Lowered.WeightBytes / 1e6:F2} MB ({clock.Elapsed.TotalSeconds:F2} s)");
        output.WriteLine($"wrote {outDir}: make csim (g++) checks it against golden/, within {schedule.Tolerance!.Relative:G3} of each output's range; " +
                         "vitis_hls -f build_prj.tcl synthesizes it");
        return 0;
    }

    // --target cuda: the same optimizing pipeline, then the CUDA backend's nvcc project (kernels, host runner, Makefile).
    static int CompileCuda(CommandLine args, string outDir, TextWriter output)
    {
        if (args.Has("device") || args.Has("parallel") || args.Has("activations")) throw new UsageException("--device, --parallel and --activations are for --target hls");
        var options = new CudaOptions
        {
            Architectures = args.Get("arch") is { } arch ? CudaOptions.ParseArchitectures(arch, "--arch") : CudaOptions.DefaultArchitectures,
            Precision = CudaOptions.ParsePrecision(args.Require("precision"), "--precision"),
        };
        var block = BlockShape.Parse(args.Require("block"), "--block");
        int? recipeSeed = args.Has("weights-recipe") ? args.GetInt("weights-recipe", 0, 0, int.MaxValue) : null;
        using var folder = new OutputFolder(outDir, force: args.Has("force"));
        var model = ModelArguments.LoadModel(args, output);
        var inputs = ModelArguments.ReadInputs(args, model.Config, output);

        var (emission, notes) = StepProgress.Run(output, "compiling for CUDA", () => CudaBackend.Compile(model, inputs, options, block, folder.Staging, CostModelFor(options), recipeSeed));
        folder.Commit();
        foreach (var note in notes) output.Info(note);
        output.WriteLine($"compiled {emission.Kernels} kernel launches ({string.Join(", ", emission.KernelLabels)}) for {string.Join(", ", options.Architectures)}, " +
                         $"{options.PrecisionName}, {inputs.Length} tokens, weights {emission.WeightBytes / 1e6:F2} MB");
        if (emission.Recipe is { } recipe)
            output.WriteLine($"weights.recipe: {new FileInfo(Path.Combine(outDir, "weights.recipe")).Length / 1e6:F3} MB for {recipe.BlobBytes / 1e6:F2} MB of weights.bin " +
                             $"({recipe.GeneratedValues:N0} values generated, {recipe.CarriedBytes:N0} bytes carried: indices and computed values)");
        output.WriteLine($"wrote {outDir}: make builds the runner with nvcc; ./runner --check compares with golden/ (tolerance {options.Tolerance:G3})");
        return 0;
    }

    /// <summary>
    /// The formats are chosen for the first architecture asked for, on the shipped GPU profile of that architecture
    /// (sm_80: a100, sm_87: jetson-orin, sm_90: h100; the first by name when several share it), else on the a100.
    /// </summary>
    static CudaCostModel CostModelFor(CudaOptions options)
    {
        var profile = GpuDevice.Builtin.Select(name => GpuDevice.Load(name)).FirstOrDefault(d => d.Arch == options.Architectures[0]) ?? GpuDevice.Load("a100");
        return new CudaCostModel(profile.Rates, options.Precision);
    }
}
