using System.Globalization;
using SparseBert.Frontend;
using SparseBert.Frontend.Text;
using SparseBert.Passes;
using SparseBert.Simulator.Explore;
using SparseBert.Training;

namespace SparseBert.Cli.Commands;

/// <summary>
/// explore's trained points: <see cref="PruningMethods.Train"/> with the sweep's --steps/--batch/--lr/--seed/--corpus/
/// --threads, the dense model as its own teacher. The sweep resumes per point (results.csv), so a run keeps no
/// checkpoint: its checkpoint interval is the whole run and nothing cancels it, so nothing is ever written to it.
/// </summary>
public sealed class ExploreTrainer : IPointTrainer
{
    readonly TrainingArguments.Settings _settings;
    readonly DistillationCorpus _corpus;
    readonly string _unusedCheckpoint;
    readonly TextWriter _output;

    public ExploreTrainer(TrainingArguments.Settings settings, BertTextTokenizer tokenizer, BertModel dense, string outDir, TextWriter output)
    {
        _settings = settings;
        _corpus = DistillationCorpus.Load(settings.Corpus, tokenizer, dense.Config, TrainingArguments.Settings.MaxTokens, settings.Seed);
        _unusedCheckpoint = Path.Combine(outDir, "training.checkpoint");
        _output = output;
        string rate = settings.LearningRate.ToString("R", CultureInfo.InvariantCulture);
        Settings = string.Create(CultureInfo.InvariantCulture,
            $"{settings.Steps} steps of {settings.Batch}, lr {rate}, seed {settings.Seed}, {settings.Threads} threads, corpus {_corpus.Description} (sha256 {_corpus.Sha256})");
    }

    public string Settings { get; }

    public BertModel Train(BertModel dense, string method, PruneOptions pattern)
    {
        Torch.TorchThreads.Use(_settings.Threads);
        var options = _settings.For(pattern);
        var recipe = TrainingRecipe.Json(TrainingRecipe.Of(method, options, _corpus, TrainingArguments.Describe(dense), _settings.Threads));
        bool lines = _output is not CliOutput { Interactive: true };
        if (lines)
            _output.Info(string.Create(CultureInfo.InvariantCulture,
                $"training {method} for {pattern.Block} at {pattern.Sparsity:0.#%}: {options.Steps} steps of {options.Batch}, lr {options.LearningRate:G3}"));
        TrainingProgress? last = null;
        var trained = PruningMethods.Train(dense, method, options, _corpus, new TrainingCheckpoint(_unusedCheckpoint, recipe, resume: false), options.Steps,
            p => last = p, CancellationToken.None) ?? throw new InvalidOperationException("a training run that nothing cancels stopped before its end");
        if (lines && last is not null) _output.Detail($"{method} for {pattern.Block} at {pattern.Sparsity.ToString("0.#%", CultureInfo.InvariantCulture)}: {TrainingArguments.StepLine(last)}");
        return trained;
    }
}
