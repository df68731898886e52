using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using SparseBert.Frontend;
using SparseBert.IR;
using SparseBert.IR.Analysis;
using SparseBert.IR.Interpretation;
using SparseBert.IR.Interpretation.Kernels;
using SparseBert.Models;
using SparseBert.Passes;
using SparseBert.Tests.Frontend.Onnx;
using SparseBert.Torch;

namespace SparseBert.Bench;

/// <summary>The models the peers are compared on; pruned ones run dense (same zeros) in ONNX Runtime and libtorch.</summary>
public enum PeerCase { MiniLM_32, MiniLM_128, Base_128, Base_16x16_80pc_128, Base_16x16_90pc_128, Base_Unstructured_80pc_128, Base_2of4_128 }

/// <summary>
/// One BERT forward, batch 1, in three engines on the same weights and ids, each at the same thread count (1 and 2):
/// ONNX Runtime (baseline; intra-op threads, all graph optimizations), our interpreter (plain graph, and after the
/// optimizing pipeline; <see cref="KernelThreads"/>) and libtorch through the TorchSharp module (no grad). Each engine
/// is set up only for its own benchmarks.
/// In process: the child project BenchmarkDotNet generates turns off Directory.Build.targets, so it would get
/// TorchSharp's native library unpatched (it does not load on Debian 12); this process has the patched one.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(InProcessShortRun))]
public class PeerForward
{
    BertModel _model = null!;
    BertInputs _inputs = null!;
    Graph _graph = null!;
    Dictionary<string, IR.Tensor> _feeds = null!;
    InferenceSession? _session;
    List<NamedOnnxValue> _ortFeeds = null!;
    BertModule? _module;

    [Params(PeerCase.MiniLM_32, PeerCase.MiniLM_128, PeerCase.Base_128, PeerCase.Base_16x16_80pc_128, PeerCase.Base_16x16_90pc_128,
        PeerCase.Base_Unstructured_80pc_128, PeerCase.Base_2of4_128)]
    public PeerCase Case { get; set; }

    [Params(1, 2)]
    public int Threads { get; set; }

    int Sequence => Case == PeerCase.MiniLM_32 ? 32 : 128;
    bool IsMiniLM => Case is PeerCase.MiniLM_32 or PeerCase.MiniLM_128;
    /// <summary>How the case's BERT-base is pruned (null: dense); `optimize` then stores it as BSR, CSR or 2:4.</summary>
    PruneOptions? Pruning => Case switch
    {
        PeerCase.Base_16x16_80pc_128 => new(PruneMethod.Block, new BlockShape(16, 16), 0.8),
        PeerCase.Base_16x16_90pc_128 => new(PruneMethod.Block, new BlockShape(16, 16), 0.9),
        PeerCase.Base_Unstructured_80pc_128 => new(PruneMethod.Magnitude, new BlockShape(1, 1), 0.8),
        PeerCase.Base_2of4_128 => new(PruneMethod.NM, new BlockShape(1, 1), 0.5),
        _ => null,
    };

    string MiniLMOnnx => Path.Combine(Path.GetTempPath(), "sparsebert-bench-minilm.onnx");

    void LoadModel()
    {
        if (IsMiniLM)
        {
            using (var source = PretrainedModels.MiniLM.OpenModel())
            using (var file = File.Create(MiniLMOnnx))
                source.CopyTo(file);
            _model = BertImporter.Load(MiniLMOnnx);
        }
        else
        {
            var dense = SyntheticBert.Model(SyntheticBert.Presets["base"]);
            _model = Pruning is { } pruning ? PeerModels.Pruned(dense, pruning) : dense;
        }
        _inputs = BertInputs.Synthetic(_model.Config, Sequence);
    }

    [GlobalSetup(Targets = [nameof(Interpreter)])]
    public void SetupInterpreter()
    {
        LoadModel();
        KernelThreads.Count = Threads;
        _graph = BertGraph.Build(_model, Sequence);
        _feeds = _inputs.ToTensors();
    }

    [GlobalSetup(Targets = [nameof(InterpreterOptimized)])]
    public void SetupOptimized()
    {
        SetupInterpreter();
        _graph = new PassManager().Run(Pipelines.Optimize(new OptimizeOptions()), _graph, new PassContext());
    }

    [GlobalSetup(Targets = [nameof(OnnxRuntime)])]
    public void SetupOnnxRuntime()
    {
        LoadModel();
        var options = new SessionOptions { IntraOpNumThreads = Threads, InterOpNumThreads = 1, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        // MiniLM runs as its package ships it; BERT-base (dense or with the pruned zeros) as torch 1.10 would export it.
        _session = IsMiniLM
            ? new InferenceSession(MiniLMOnnx, options)
            : new InferenceSession(SyntheticOnnxBert.Write(_model, OnnxExportForm.All[0]), options);
        var all = new Dictionary<string, int[]>
        {
            [BertGraph.InputIds] = _inputs.Ids, [BertGraph.AttentionMask] = _inputs.AttentionMask, [BertGraph.TokenTypeIds] = _inputs.TokenTypeIds,
        };
        _ortFeeds = _session.InputMetadata.Keys
            .Select(name => NamedOnnxValue.CreateFromTensor(name, new DenseTensor<long>(all[name].Select(v => (long)v).ToArray(), [1, Sequence])))
            .ToList();
    }

    [GlobalSetup(Targets = [nameof(LibTorch)])]
    public void SetupLibTorch()
    {
        LoadModel();
        TorchThreads.Use(Threads);
        _module = TorchBert.FromModel(_model);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _session?.Dispose();
        _module?.Dispose();
    }

    [Benchmark(Baseline = true)]
    public float OnnxRuntime()
    {
        using var results = _session!.Run(_ortFeeds);
        return results[0].AsTensor<float>().GetValue(0);
    }

    [Benchmark]
    public float Interpreter() => IR.Interpretation.Interpreter.Run(_graph, _feeds)[BertGraph.LastHiddenState].Floats[0];

    [Benchmark]
    public float InterpreterOptimized() => IR.Interpretation.Interpreter.Run(_graph, _feeds)[BertGraph.LastHiddenState].Floats[0];

    [Benchmark]
    public float LibTorch() => _module!.Run(_inputs)[BertGraph.LastHiddenState].Floats[0];
}

/// <summary>BenchmarkDotNet's short run (3 warm-ups, 3 iterations), in this process.</summary>
public sealed class InProcessShortRun : ManualConfig
{
    public InProcessShortRun() => AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance));
}

static class PeerModels
{
    /// <summary>The model with its encoder matrices pruned as `sparsebert prune` does, zeros kept in place.</summary>
    public static BertModel Pruned(BertModel dense, PruneOptions pruning)
    {
        var context = new PassContext();
        var graph = new PassManager().Run(new Pipeline("prune", [new PruneWeights(pruning)]), BertGraph.Build(dense, 1), context);
        var pruned = context.Get<PruneReport>()!.Weights.Select(w => w.Name).ToHashSet();
        var weights = dense.Weights.ToDictionary(w => w.Key, w => w.Value);
        foreach (var constant in graph.Constants.Where(c => pruned.Contains(c.Node.Name)))
            weights[constant.Node.Name] = new IR.Tensor(weights[constant.Node.Name].Shape, constant.Node.Data.ToDense().Floats);
        return new BertModel(dense.Config, weights, dense.Source + " pruned " + pruning.Describe());
    }
}
