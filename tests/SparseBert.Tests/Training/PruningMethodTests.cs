using SparseBert.IR.Analysis;
using SparseBert.Passes;
using SparseBert.Tests.Torch;
using SparseBert.Torch;
using SparseBert.Training;
using SparseBert.Training.Methods;
using static SparseBert.Tests.Training.TrainingFixtures;
using static TorchSharp.torch;

namespace SparseBert.Tests.Training;

/// <summary>Each training method on the tiny model: the final pattern, and the rule each method's file states.</summary>
[Collection(TrainingCollection.Name)]
public sealed class PruningMethodTests : IDisposable
{
    readonly TestFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    public static TheoryData<string, string> MethodsAndPatterns()
    {
        var data = new TheoryData<string, string>();
        foreach (var method in PruningMethods.Names)
            foreach (var pattern in new[] { "block", "column", "global", "magnitude", "nm" }) data.Add(method, pattern);
        return data;
    }

    [Theory]
    [MemberData(nameof(MethodsAndPatterns))]
    public void EndsAtTheExactSparsityInThePattern(string method, string pattern)
    {
        var options = Options(pattern);
        var (weights, finished) = Train(method, options, _dir["ckpt"]);
        Assert.True(finished);
        var p = options.Pattern;
        if (p.Scope == PruneScope.Global)
        {
            // One threshold over all matrices: at least ⌈s·n⌉ zero elements in all, less than one block more.
            var all = Selected(p);
            long zeros = all.Sum(m => Pruning.ElementsInZeroBlocks(weights[m.Name], m.Rows, m.Cols, p.Block));
            long target = Pruning.Target(p.Sparsity, all.Sum(m => (long)m.Rows * m.Cols));
            Assert.InRange(zeros, target, target + p.Block.Rows * p.Block.Cols - 1);
            return;
        }
        foreach (var (name, rows, cols) in Selected(p))
        {
            var w = weights[name];
            if (p.Method == PruneMethod.NM)
            {
                for (int g = 0; g < w.Length; g += p.M) Assert.True(w.AsSpan(g, p.M).ToArray().Count(v => v != 0) <= p.N, $"{name}: group {g / p.M} keeps more than {p.N}");
                continue;
            }
            // Exactly one-shot's count: ⌈s·n⌉ elements, rounded up to whole blocks (the blocks here divide every matrix).
            long target = Pruning.Target(p.Sparsity, w.Length), blockSize = (long)p.Block.Rows * p.Block.Cols;
            long expected = (target + blockSize - 1) / blockSize * blockSize;
            Assert.Equal(expected, Pruning.ElementsInZeroBlocks(w, rows, cols, p.Block));
        }
        // What is not pruned and not trained stays the teacher's: the word embeddings.
        Assert.Equal(Model.Weights["embeddings.word_embeddings.weight"].Floats, weights["embeddings.word_embeddings.weight"]);
    }

    [Fact]
    public void MaskTrainingLeavesEveryKeptWeightAsItWas()
    {
        var (weights, _) = Train("mask", Options("block"), _dir["ckpt"]);
        var selected = Selected(Pattern("block")).Select(s => s.Name).ToHashSet();
        foreach (var (name, original) in Model.Weights)
        {
            var trained = weights[name];
            if (!selected.Contains(name)) Assert.Equal(original.Floats, trained);
            else Assert.All(Enumerable.Range(0, trained.Length), i => Assert.True(trained[i] == 0 || trained[i] == original.Floats[i], $"{name}[{i}] changed"));
        }
    }

    [Fact]
    public void GroupLassoGradientOfABlockIsItsDirectionOverItsSquaredNorm()
    {
        TorchTestSetup.Configure();
        using var student = TorchBert.FromModel(Model);
        var options = Options("block") with { GroupLassoLambda = 0.5 };
        var weights = new MaskedWeights(student, Model, options.Pattern);
        var bsp = new BlockGroupLasso(student, weights, options);
        bsp.Penalty(0)!.backward();

        // ∂/∂W_g of λ/G · α_g‖W_g‖ is λ/G · W_g / (‖W_g‖ (‖W_g‖² + ε)), with G the number of blocks of all matrices.
        long groups = weights.Entries.Sum(e => (long)(e.Rows / 4) * (e.Cols / 4));
        var entry = weights.Entries[0];
        var w = MaskedWeights.Values(entry.Weight);
        var grad = MaskedWeights.Values(entry.Weight.grad!);
        foreach (var (br, bc) in new[] { (0, 0), (3, 7), (31, 31) })
        {
            double norm2 = 0;
            for (int r = 0; r < 4; r++) for (int c = 0; c < 4; c++) norm2 += Math.Pow(w[(br * 4 + r) * entry.Cols + bc * 4 + c], 2);
            for (int r = 0; r < 4; r++)
                for (int c = 0; c < 4; c++)
                {
                    int i = (br * 4 + r) * entry.Cols + bc * 4 + c;
                    double expected = 0.5 / groups * w[i] / (Math.Sqrt(norm2) * (norm2 + 1e-6));
                    Assert.Equal(expected, grad[i], Math.Abs(expected) * 1e-3 + 1e-12);
                }
        }
    }

    [Fact]
    public void ReweightedGroupLassoShrinksTheSmallestBlocksFastest()
    {
        TorchTestSetup.Configure();
        using var student = TorchBert.FromModel(Model);
        var options = Options("block", steps: 100) with { GroupLassoLambda = 1, ReweightEvery = 5 };
        var weights = new MaskedWeights(student, Model, options.Pattern);
        var bsp = new BlockGroupLasso(student, weights, options);
        var entry = weights.Entries[0];
        using var before = bsp.BlockNorms(entry.Weight).detach().flatten();
        var order = before.argsort();
        long tenth = order.shape[0] / 10;
        using var smallestTenth = order[..(int)tenth];
        using var largestTenth = order[^(int)tenth..];

        // Plain gradient steps on the penalty alone, sized so that a block of the smallest tenth's least norm loses 5 % per
        // step (a block's step is lr·λ/G·α_g = lr·λ/(G‖W_g‖²)): small enough that no block crosses zero in ten steps.
        long groups = weights.Entries.Sum(e => (long)(e.Rows / 4) * (e.Cols / 4));
        double least = before.index_select(0, smallestTenth).max().item<float>();
        using var sgd = optim.SGD(bsp.Trainable, learningRate: 0.05 * Math.Pow(least, 3) * groups / options.GroupLassoLambda);
        for (int step = 0; step < 10; step++)
        {
            sgd.zero_grad();
            bsp.Penalty(step)!.backward();
            sgd.step();
            bsp.AfterStep(step);
        }
        using var after = bsp.BlockNorms(entry.Weight).detach().flatten();
        double Lost(Tensor indices) => 1 - (after.index_select(0, indices).sum() / before.index_select(0, indices).sum()).item<float>();
        double smallest = Lost(smallestTenth), largest = Lost(largestTenth);
        // A block loses the fraction lr·λ/(G‖W_g‖³) of its norm per step: plain group lasso (α = 1) would make the two
        // tenths' losses differ by about the ratio r of their norms, the reweighting by up to r³ (less, as the blocks within
        // a tenth differ). Well above r tells them apart.
        double r = (before.index_select(0, largestTenth).mean() / before.index_select(0, smallestTenth).mean()).item<float>();
        Assert.True(smallest > 0.2 && smallest > 1.5 * r * largest,
            $"the smallest tenth of the blocks lost {smallest:P2} of their norm, the largest {largest:P2}; their norms differ {r:F2}x");
    }

    [Fact]
    public void ProgressiveSparsityFollowsTheCubicSchedule()
    {
        TorchTestSetup.Configure();
        using var teacher = TorchBert.FromModel(Model);
        using var student = TorchBert.FromModel(Model);
        var options = Options("magnitude", steps: 15) with { MaskEvery = 1 };
        var weights = new MaskedWeights(student, Model, options.Pattern);
        var method = PruningMethods.Create("progressive", student, weights, options);
        var seen = new List<double>();
        new DistillationTrainer(teacher, student, method, Corpus(), options)
            .Run(new TrainingCheckpoint(_dir["ckpt"], "r", resume: false), 1000, p => seen.Add(p.Sparsity), CancellationToken.None);
        int schedule = options.ScheduleSteps;
        long elements = weights.Entries.Sum(e => (long)e.Rows * e.Cols);
        for (int step = 1; step <= options.Steps; step++)
        {
            double expected = SparsitySchedule.At(Math.Min(step, schedule), 0, 0.7, schedule);
            // Per layer each matrix rounds its own count up, so the whole is at most one element per matrix above.
            Assert.InRange(seen[step - 1], expected - 1e-9, expected + (double)weights.Entries.Count / elements + 1e-9);
        }
    }

    [Fact]
    public void ImpRewindsTheSurvivorsToTheStartAfterEachRound()
    {
        TorchTestSetup.Configure();
        using var student = TorchBert.FromModel(Model);
        var options = Options("magnitude", steps: 6) with { Rounds = 2 };
        var weights = new MaskedWeights(student, Model, options.Pattern);
        var imp = new IterativeMagnitudePruning(student, weights, options);
        using (no_grad())
            foreach (var p in imp.Trainable) p.add_(0.25f);
        Assert.False(imp.AfterStep(0));
        Assert.True(imp.AfterStep(1), "the first round ends after step 2 of 6 (three phases of two)");

        // Round 1 of 2 prunes 1 − (1 − 0.7)^(1/2) ≈ 45.2 % by the trained magnitudes, then rewinds to the start.
        Assert.InRange(weights.Sparsity, 1 - Math.Sqrt(0.3) - 1e-9, 1 - Math.Sqrt(0.3) + (double)weights.Entries.Count / weights.Entries.Sum(e => e.Rows * e.Cols));
        var now = student.ToBertModel().Weights;
        var masked = weights.Entries.ToDictionary(e => e.Name, e => MaskedWeights.Values(e.Mask));
        foreach (var (name, original) in Model.Weights)
        {
            var expected = masked.TryGetValue(name, out var mask) ? original.Floats.Select((v, i) => v * mask[i]).ToArray() : original.Floats;
            Assert.Equal(expected, now[name].Floats);
        }
    }
}
