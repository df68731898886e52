using SparseBert.Torch;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SparseBert.Training;

/// <summary>What the progress display shows after a step.</summary>
public sealed record TrainingProgress(int Step, int Steps, double Loss, double Hidden, double Attention, double Embedding, double Sparsity);

/// <summary>
/// The loop every method shares: per step, the teacher (dense, frozen) and the student run the step's batch layer by
/// layer, the student's loss is <see cref="Distillation"/> plus the method's penalty, and AdamW (its rate decaying
/// linearly to 0 over the run) steps what the method trains (see <see cref="IPruningMethod"/> for the order of the hooks). Every CheckpointEvery steps the whole state is
/// written (<see cref="TrainingCheckpoint"/>); a cancelled run stops after the step it is in and writes one more.
/// Deterministic for a given seed and thread count: batches are a function of the step, and nothing else is random.
/// </summary>
public sealed class DistillationTrainer(BertModule teacher, BertModule student, IPruningMethod method, DistillationCorpus corpus, TrainingOptions options)
{
    /// <summary>Runs from <paramref name="checkpoint"/>'s step (0 for a new run) to the last; returns false when cancelled before the end.</summary>
    public bool Run(TrainingCheckpoint checkpoint, int checkpointEvery, Action<TrainingProgress> progress, CancellationToken cancel)
    {
        teacher.eval();
        foreach (var (_, parameter) in teacher.named_parameters()) parameter.requires_grad = false;
        int start = checkpoint.Resume(student, method, out var optimizerState);
        var optimizer = NewOptimizer();
        if (optimizerState is not null) optimizer.load_state_dict(optimizerState);

        for (int step = start; step < options.Steps; step++)
        {
            if (cancel.IsCancellationRequested)
            {
                checkpoint.Save(step, student, method, optimizer);
                return false;
            }
            TrainingProgress done;
            using (var scope = NewDisposeScope())
            {
                var batch = corpus.Batch(step, options.Batch);
                IReadOnlyList<(Tensor Hidden, Tensor Probabilities)> target;
                using (no_grad()) target = teacher.Layers(batch.Ids, batch.TokenTypes, batch.AttentionMask);
                var terms = Distillation.Loss(student.Layers(batch.Ids, batch.TokenTypes, batch.AttentionMask), target, batch.AttentionMask, options.LossWeights);
                var loss = method.Penalty(step) is { } penalty ? terms.Total + penalty : terms.Total;
                student.zero_grad();
                optimizer.zero_grad();
                loss.backward();
                method.BeforeStep(step);
                foreach (var group in optimizer.ParamGroups) group.LearningRate = options.LearningRateAt(step);
                optimizer.step();
                done = new TrainingProgress(step + 1, options.Steps, loss.item<float>(), terms.Hidden.item<float>(),
                    terms.Attention.item<float>(), terms.Embedding.item<float>(), 0);
            }
            if (method.AfterStep(step))
            {
                optimizer.Dispose();
                optimizer = NewOptimizer();
            }
            progress(done with { Sparsity = method.Sparsity });
            if ((step + 1) % checkpointEvery == 0 && step + 1 < options.Steps) checkpoint.Save(step + 1, student, method, optimizer);
        }
        method.Finish();
        return true;
    }

    OptimizerHelper NewOptimizer() => optim.AdamW(method.Trainable, lr: options.LearningRate, weight_decay: 0);
}
