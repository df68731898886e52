using System.Globalization;
using System.Text.Json;
using SparseBert.Evaluation;
using SparseBert.Frontend;
using SparseBert.Frontend.Formats;
using SparseBert.Frontend.Text;
using SparseBert.IR;

namespace SparseBert.Cli.Commands;

/// <summary>
/// `sparsebert eval`: what a (pruned) model is worth on a real task — WordNet gloss retrieval by sentence embedding —
/// and, with --teacher, how closely it follows the dense model. The reference interpreter runs every sentence.
/// </summary>
public sealed class EvalCommand : ICommand
{
    public string Name => "eval";
    public string Summary => "score a model on WordNet gloss retrieval (accuracy@1, MRR) and its agreement with a --teacher";

    public IReadOnlyList<ArgumentSpec> Arguments { get; } = [ModelArguments.Model];

    public IReadOnlyList<OptionSpec> Options { get; } =
    [
        new("teacher", "MODEL", "the dense model to compare with (its score, and the cosine of both models' embeddings and hidden states)"),
        new("task", TaskArguments.WordNet, "the task", Default: TaskArguments.WordNet),
        .. TaskArguments.Options,
        new("pool", "mean|cls", "sentence embedding", Default: "mean"),
        new("vocab", "FILE", "vocab.txt (default: the model's)"),
        ModelArguments.Config,
        new("json", "FILE", "also write the scores as JSON"),
    ];

    public int Execute(CommandLine args, TextWriter output)
    {
        var json = args.Get("json") is { } jsonPath ? OutputPaths.File("--json", jsonPath) : null;
        TaskArguments.RequireKnown(args.Require("task"));
        var (pos, synsets) = TaskArguments.ReadSynsets(args);
        var pooling = SentenceEmbedding.Parse(args.Require("pool"));

        var model = ModelArguments.LoadModel(args, output);
        var tokenizer = ModelArguments.LoadTokenizer(args, model.Config, output);
        SentenceEncoder? teacher = null;
        if (args.Get("teacher") is { } teacherPath)
        {
            var dense = BertImporter.Load(teacherPath);
            // Both read the same token ids and their vectors are compared element by element.
            if (dense.Config.HiddenSize != model.Config.HiddenSize || dense.Config.VocabSize != model.Config.VocabSize)
                throw new BadInputException("--teacher", null, $"hidden size {dense.Config.HiddenSize} and vocabulary {dense.Config.VocabSize} " +
                                                               $"differ from the model's {model.Config.HiddenSize} and {model.Config.VocabSize}");
            teacher = new SentenceEncoder(dense, tokenizer, pooling);
        }

        int sentences = 2 * synsets.Count * (teacher is null ? 1 : 2), done = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var result = StepProgress.Bar(output, "embedding sentences", report =>
            WordNetRetrieval.Evaluate(pos, synsets, new SentenceEncoder(model, tokenizer, pooling), teacher,
                () => report(++done, sentences, $"{done}/{sentences} sentences")));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"WordNet {pos}, {synsets.Count} synsets (example → its own definition among all {synsets.Count}):"));
        output.WriteLine(Line("model", result.Score));
        if (result.TeacherScore is { } t) output.WriteLine(Line("teacher", t));
        if (result.Agreement is { } g)
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"agreement with the teacher over {g.Sentences} sentences: embedding cosine {g.EmbeddingCosine:F4}, last_hidden_state cosine {g.HiddenStateCosine:F4}"));
        output.Info($"embedded {sentences} sentences in {clock.Elapsed.TotalSeconds:F1} s");
        if (json is not null)
        {
            AtomicFile.Write(json, stream => JsonSerializer.Serialize(stream, result, JsonOptions));
            output.WriteLine($"wrote {args.Get("json")}");
        }
        return 0;
    }

    static string Line(string who, RetrievalScore s) => string.Create(CultureInfo.InvariantCulture,
        $"  {who,-8} accuracy@1 {s.AccuracyAt1:F3}, MRR {s.MeanReciprocalRank:F3}");

    static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
}
