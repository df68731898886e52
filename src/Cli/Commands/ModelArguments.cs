using SparseBert.Frontend;
using SparseBert.Frontend.Text;
using SparseBert.IR;
using SparseBert.Passes;

namespace SparseBert.Cli.Commands;

/// <summary>The options every command that reads a model and an input sequence shares.</summary>
public static class ModelArguments
{
    public static readonly ArgumentSpec Model = new("MODEL", "a Hugging Face folder, a .safetensors file, a torch.save .bin/.pt file, a TorchSharp file or an ONNX file");

    public static readonly OptionSpec Config = new("config", "FILE", "config.json (required for TorchSharp files)");

    /// <summary>The sequence length every command uses when it is not given; capped at the model's positions.</summary>
    public const int DefaultSequence = 128;

    public static readonly OptionSpec Seq = new("seq", "N", $"sequence length (default {DefaultSequence}, or the model's max_position_embeddings if fewer)");

    public static readonly OptionSpec Force = new("force", null, "replace --out even if it is a folder that sparsebert did not write");

    public static readonly IReadOnlyList<OptionSpec> Inputs =
    [
        new("ids", "101,7592,102", "input token ids (default: a synthetic sequence of --seq tokens)"),
        new("token-type-ids", "0,0,0", "segment ids (default: all 0)"),
        new("attention-mask", "1,1,0", "1 = attend, 0 = padding (default: all 1)"),
        Seq with { Help = $"length of the synthetic sequence when --ids is not given (default {DefaultSequence}, or the model's max_position_embeddings if fewer)" },
        new("text", "\"...\"", "tokenize this text with the model's vocab.txt instead of giving --ids"),
        new("text-pair", "\"...\"", "with --text: a second segment ([CLS] text [SEP] pair [SEP], token types 0 then 1)"),
        new("vocab", "FILE", "the WordPiece vocabulary for --text (default: vocab.txt in the model folder or beside the model file)"),
        new("max-tokens", "N", "cut longer texts to N tokens, special tokens included (default: the model's positions)"),
    ];

    public static readonly OptionSpec DumpIr = new("dump-ir", "DIR", "write the IR before and after each pass into DIR (00-input.ir, 01-PASS.ir, …)");

    /// <summary>The tokenizer for --text and --text-file: --vocab, else the vocab.txt that belongs to MODEL.</summary>
    public static BertTextTokenizer LoadTokenizer(CommandLine args, BertConfig config, TextWriter output)
    {
        var model = args.Positional(0, "MODEL");
        var vocab = args.Get("vocab") ?? BertTextTokenizer.FindVocabulary(model)
            ?? throw new BadInputException(model, null, "has no vocab.txt beside it to tokenize text with; pass --vocab FILE");
        var tokenizer = BertTextTokenizer.Load(vocab, config);
        output.Info($"tokenizer: {tokenizer.Description}");
        return tokenizer;
    }

    /// <summary>--seq, or the default: 128 tokens, or every position of a model that has fewer (and then it says so).</summary>
    public static int SequenceLength(CommandLine args, BertConfig config, TextWriter output)
    {
        if (args.Has("seq")) return args.GetInt("seq", DefaultSequence, 1, config.MaxPositionEmbeddings);
        if (config.MaxPositionEmbeddings >= DefaultSequence) return DefaultSequence;
        output.Info($"--seq: {config.MaxPositionEmbeddings}, the model's max_position_embeddings (the default {DefaultSequence} does not fit)");
        return config.MaxPositionEmbeddings;
    }

    /// <summary>--dump-ir, checked before any work: a usable folder that is not the model's (replacing it needs --force).</summary>
    public static void CheckDumpIr(CommandLine args)
    {
        if (args.Get("dump-ir") is not { } dir) return;
        OutputPaths.Folder("--dump-ir", dir);
        if (!args.Has("force")) OutputPaths.NotOverModel("--dump-ir", dir, args.Positional(0, "MODEL"));
    }

    public static int MaxTokens(CommandLine args, BertConfig config) =>
        args.GetInt("max-tokens", config.MaxPositionEmbeddings, 3, config.MaxPositionEmbeddings);

    /// <summary>Runs a pipeline with the verifier on, writing IR dumps when --dump-ir is given, and prints the passes' notes.</summary>
    public static Graph RunPipeline(CommandLine args, Pipeline pipeline, Graph graph, PassContext context, TextWriter output)
    {
        var dumpDir = args.Get("dump-ir");
        using var dumps = dumpDir is null ? null : new OutputFolder(dumpDir, "--dump-ir", force: args.Has("force"));
        var manager = new PassManager
        {
            DumpDirectory = dumps?.Staging,
            PassFinished = (pass, after, time) => output.Detail($"pass {pass.Name}: {after.Nodes.Length} nodes, {time.TotalMilliseconds:F0} ms"),
        };
        var result = manager.Run(pipeline, graph, context);
        dumps?.Commit();
        foreach (var note in context.Notes) output.Info(note);
        if (dumpDir is not null) output.WriteLine($"wrote the IR after each of {pipeline.Passes.Length} passes to {dumpDir}");
        return result;
    }

    public static BertModel LoadModel(CommandLine args, TextWriter output)
    {
        var path = args.Positional(0, "MODEL");
        if (File.Exists(path) && Path.GetExtension(path).Equals(".json", StringComparison.OrdinalIgnoreCase))
            throw new BadInputException(path, null, "is a JSON file (a config.json?), not a checkpoint; pass the model's folder, " +
                                                    "or its weights file (with --config FILE where the weights carry no config)");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var model = BertImporter.Load(path, args.Get("config"));
        output.Info($"loaded {model.Source}: {model.Config.NumHiddenLayers} layers, hidden {model.Config.HiddenSize}, " +
                         $"{model.Config.NumAttentionHeads} heads, {model.ParameterCount:N0} parameters ({clock.Elapsed.TotalSeconds:F2} s)");
        return model;
    }

    public static BertInputs ReadInputs(CommandLine args, BertConfig config, TextWriter output)
    {
        if (args.Get("text") is { } text)
        {
            foreach (var other in new[] { "ids", "token-type-ids", "attention-mask", "seq" })
                if (args.Has(other)) throw new UsageException($"--text and --{other} exclude each other");
            var tokenizer = LoadTokenizer(args, config, output);
            var encoded = tokenizer.Encode(config, text, args.Get("text-pair"), MaxTokens(args, config), out bool truncated);
            output.Info($"--text: {encoded.Length} tokens{(truncated ? " (cut to --max-tokens)" : "")}");
            return encoded;
        }
        if (args.Has("text-pair")) throw new UsageException("--text-pair needs --text");
        if (!args.Has("text-file") && (args.Has("vocab") || args.Has("max-tokens")))
            throw new UsageException("--vocab and --max-tokens need text to tokenize (--text, or --text-file for run)");
        var ids = args.Get("ids");
        if (ids is null)
        {
            if (args.Has("token-type-ids") || args.Has("attention-mask"))
                throw new UsageException("--token-type-ids and --attention-mask need --ids");
            int length = SequenceLength(args, config, output);
            output.Info($"no --ids given: using a synthetic sequence of {length} tokens");
            return BertInputs.Synthetic(config, length);
        }
        if (args.Has("seq")) throw new UsageException("--seq is for synthetic inputs; with --ids the length is the number of ids");
        return BertInputs.Create(config,
            BertInputs.ParseList("--ids", ids),
            args.Get("token-type-ids") is { } types ? BertInputs.ParseList("--token-type-ids", types) : null,
            args.Get("attention-mask") is { } mask ? BertInputs.ParseList("--attention-mask", mask) : null);
    }
}
