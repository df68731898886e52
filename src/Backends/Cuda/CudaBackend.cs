using System.Globalization;
using System.Text;
using SparseBert.Frontend;
using SparseBert.Frontend.Formats;
using SparseBert.IR;
using SparseBert.IR.Analysis;
using SparseBert.IR.Interpretation;
using SparseBert.Passes;

namespace SparseBert.Backends.Cuda;

/// <summary>What <see cref="CudaBackend.Emit"/> wrote: files relative to the folder, in writing order, the kernel count, and the weights recipe when one was written.</summary>
public sealed record CudaEmission(IReadOnlyList<string> Files, int Kernels, IReadOnlyList<string> KernelLabels, long WeightBytes,
    WeightRecipe? Recipe = null);

/// <summary>
/// The CUDA backend: prints an optimized graph as a standalone nvcc project (kernels specialized per layer, a host
/// runner, a Makefile), with weights.bin, the input sequence, the interpreter's outputs as the golden reference, and
/// kernels.json (<see cref="CudaSchedule"/>).
/// </summary>
public static class CudaBackend
{
    /// <summary>
    /// `compile --target cuda`: builds the graph for the inputs' length, runs the optimizing pipeline (BSR at
    /// <paramref name="block"/>, CSR or N:M where <paramref name="costModel"/> estimates them faster than dense) and
    /// emits the project. Returns the passes' notes too.
    /// </summary>
    /// <param name="costModel">the GPU's <see cref="CudaCostModel"/> the formats are chosen by</param>
    /// <param name="weightsRecipeSeed">for a model written by `synth --values portable --seed N`: N, to write
    /// weights.recipe and regen_weights.c as well (<see cref="WeightProvenance"/>)</param>
    public static (CudaEmission Emission, IReadOnlyList<string> Notes) Compile(BertModel model, BertInputs inputs, CudaOptions options,
        BlockShape block, string folder, CudaCostModel costModel, int? weightsRecipeSeed = null)
    {
        var context = new PassContext();
        Graph Optimize(BertModel m, PassContext c) =>
            new PassManager().Run(Pipelines.Optimize(new OptimizeOptions { Block = block, CostModel = costModel }), BertGraph.Build(m, inputs.Length), c);
        var graph = Optimize(model, context);
        var recipe = weightsRecipeSeed is { } seed ? WeightProvenance.Build(model, seed, graph, m => Optimize(m, new PassContext())) : null;
        return (Emit(graph, inputs.ToTensors(), options, folder, model.Source, recipe), context.Notes);
    }

    /// <summary>
    /// What the project <see cref="Emit"/> would write runs, kernel by kernel (its kernels.json), without computing the
    /// golden outputs: lowering and planning only, so the simulator can afford it for every model it is shown.
    /// </summary>
    /// <param name="optimizedGraph">an optimized f32 graph, as <see cref="Emit"/> takes it</param>
    public static CudaSchedule Schedule(Graph optimizedGraph, CudaPrecision precision) =>
        CudaSchedule.Of(CudaProgram.Plan(LoweredGraph.Lower(optimizedGraph), precision));

    /// <summary>
    /// Writes the project into <paramref name="folder"/> (created if missing; files of the same names are replaced).
    /// The same graph, inputs and options always give byte-identical files.
    /// </summary>
    /// <param name="graph">an optimized f32 graph (dense, BSR, CSR or N:M weights); int8 graphs are refused</param>
    /// <param name="inputs">one value per graph input, by name: what inputs/ holds and the golden outputs are computed from</param>
    /// <param name="title">what the files' headers call the model, e.g. its path (sanitized here)</param>
    /// <param name="recipe">weights.bin as a recipe (<see cref="WeightProvenance.Build"/>), written beside it with its reader</param>
    public static CudaEmission Emit(Graph graph, IReadOnlyDictionary<string, Tensor> inputs, CudaOptions options, string folder, string title,
        WeightRecipe? recipe = null)
    {
        if (options.Architectures.Count == 0) throw new BadInputException("--arch", null, "no GPU architecture given");
        var lowered = LoweredGraph.Lower(graph);
        var program = CudaProgram.Plan(lowered, options.Precision);
        if (recipe is not null && recipe.BlobBytes != lowered.WeightBytes)
            throw new ArgumentException($"the recipe describes {recipe.BlobBytes} bytes of weights, this graph has {lowered.WeightBytes}", nameof(recipe));
        var sources = CudaSources.Render(program, options, Symbols.Comment(title), recipe is not null);
        var schedule = CudaSchedule.Of(program);
        var golden = Interpreter.Run(graph, inputs);

        var written = new List<string>();
        void Write(string path, Action<string> write)
        {
            var full = Path.Combine(folder, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            write(full);
            written.Add(path);
        }

        var utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
        foreach (var (path, text) in sources) Write(path, full => File.WriteAllText(full, text, utf8));
        Write("kernels.json", full => File.WriteAllText(full, schedule.Serialize(), utf8));
        Write("weights.bin", full =>
        {
            using var stream = new FileStream(full, FileMode.Create, FileAccess.Write);
            WeightBlob.Write(stream, lowered.Weights);
        });
        if (recipe is not null)
            Write("weights.recipe", full =>
            {
                using var stream = new FileStream(full, FileMode.Create, FileAccess.Write);
                recipe.Write(stream);
            });
        foreach (var input in program.Inputs)
        {
            var values = inputs.TryGetValue(input.GraphName, out var tensor)
                ? tensor.Ints
                : throw new ArgumentException($"no value for graph input '{input.GraphName}'", nameof(inputs));
            Write($"inputs/{input.Name}.txt", full => File.WriteAllText(full,
                string.Join(' ', values.Select(v => v.ToString(CultureInfo.InvariantCulture))) + "\n", utf8));
        }
        foreach (var output in program.Outputs)
            Write($"golden/{output.Name}.npy", full => NpyFile.Write(full, [.. output.NpyShape], golden[output.GraphName].Floats));

        return new CudaEmission(written, program.Launches.Count, program.Launches.Select(l => l.Label).Distinct().ToList(), lowered.WeightBytes, recipe);
    }
}
