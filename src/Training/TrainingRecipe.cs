using System.Globalization;
using System.Text.Json;

namespace SparseBert.Training;

/// <summary>
/// How a trained model was made, as data: written as recipe.json beside the pruned model, and held by every checkpoint,
/// which a resumed run must match entry for entry (other options would not continue the same run).
/// </summary>
public static class TrainingRecipe
{
    public static SortedDictionary<string, string> Of(string method, TrainingOptions options, DistillationCorpus corpus, string teacher, int threads)
    {
        static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);
        var w = options.LossWeights;
        return new(StringComparer.Ordinal)
        {
            ["method"] = method,
            ["pattern"] = options.Pattern.Describe(),
            ["exclude"] = string.Join(',', new[] { ("embeddings", options.Pattern.IncludeEmbeddings), ("pooler", options.Pattern.IncludePooler),
                ("classifier", options.Pattern.IncludeClassifier) }.Where(g => !g.Item2).Select(g => g.Item1)) is { Length: > 0 } excluded ? excluded : "none",
            ["teacher"] = teacher,
            ["corpus"] = corpus.Description,
            ["corpus_sha256"] = corpus.Sha256,
            ["steps"] = options.Steps.ToString(CultureInfo.InvariantCulture),
            ["batch"] = options.Batch.ToString(CultureInfo.InvariantCulture),
            ["max_tokens"] = options.MaxTokens.ToString(CultureInfo.InvariantCulture),
            ["lr"] = F(options.LearningRate),
            ["optimizer"] = "AdamW, betas 0.9/0.999, eps 1e-8, no weight decay, rate decaying linearly to 0",
            ["seed"] = options.Seed.ToString(CultureInfo.InvariantCulture),
            ["threads"] = threads.ToString(CultureInfo.InvariantCulture),
            ["loss"] = $"{F(w.Hidden)}·hidden MSE + {F(w.Attention)}·attention row distance + {F(w.Embedding)}·(1 − cos of mean-pooled embeddings)",
            ["schedule"] = method switch
            {
                "progressive" or "mask" => $"cubic to the target over {options.ScheduleSteps} steps, mask every {options.MaskEvery}",
                "bsp" => $"group lasso λ {F(options.GroupLassoLambda)}, reweighted every {options.ReweightEvery} steps, threshold at step " +
                         $"{Math.Max(1, (int)Math.Round(options.PenaltyFraction * options.Steps))}",
                "imp" => $"{options.Rounds} rounds of prune → retrain → rewind to the start",
                _ => "none",
            },
        };
    }

    public static string Json(SortedDictionary<string, string> recipe) =>
        JsonSerializer.Serialize(recipe, new JsonSerializerOptions { WriteIndented = true, IndentSize = 2, NewLine = "\n",
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n";
}
