using SparseBert.Frontend;
using SparseBert.Frontend.Formats;
using SparseBert.Frontend.Text;
using SparseBert.IR.Interpretation;
using SparseBert.Tests.Frontend.Text;
using static SparseBert.Tests.Cli.CliHarness;

namespace SparseBert.Tests.Cli;

/// <summary>`run --text`, `--text-file` and `--pool`: text in, the same numbers as the ids the tokenizer gives.</summary>
public sealed class RunTextTests : IDisposable
{
    readonly TestFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    string ModelWithVocabulary()
    {
        var path = _dir["m"];
        SyntheticBert.Write(path, SmallConfig, seed: 4, numLabels: 0);
        TestVocabulary.Write(path);
        return path;
    }

    [Fact]
    public void TextRunsTheIdsItTokenizesTo()
    {
        var model = ModelWithVocabulary();
        var (code, stdout, err) = Run("run", model, "--text", "the cat", "--text-pair", "sat", "--out", _dir["t"]);
        Assert.True(code == 0, err);
        Assert.Contains("tokenizer: WordPiece", stdout);
        int cls = TestVocabulary.Cls, sep = TestVocabulary.Sep;
        var ids = string.Join(',', new[] { cls, TestVocabulary.Id("the"), TestVocabulary.Id("cat"), sep, TestVocabulary.Id("sat"), sep });
        Assert.Equal(0, Run("run", model, "--ids", ids, "--token-type-ids", "0,0,0,0,1,1", "--out", _dir["i"]).Code);
        Assert.Equal(File.ReadAllBytes(_dir["i/last_hidden_state.npy"]), File.ReadAllBytes(_dir["t/last_hidden_state.npy"]));
    }

    [Fact]
    public void TextFileIsAPaddedBatchWhoseRowsPoolLikeSingleRuns()
    {
        var model = ModelWithVocabulary();
        var lines = new[] { "hello world", "the cat sat on a cat", "a\tb" };
        File.WriteAllText(_dir["s.txt"], string.Join('\n', lines) + "\n\n");
        var (code, stdout, err) = Run("run", model, "--text-file", _dir["s.txt"], "--pool", "mean", "--out", _dir["batch"]);
        Assert.True(code == 0, err);
        Assert.Contains("3 sentences, padded to 8 tokens", stdout);

        var (shape, batch) = NpyFile.Read(_dir["batch/sentence_embedding.npy"]);
        Assert.Equal([3, SmallConfig.HiddenSize], shape);
        Assert.Equal([3, 8, SmallConfig.HiddenSize], NpyFile.Read(_dir["batch/last_hidden_state.npy"]).Shape);
        Assert.Equal([3, SmallConfig.HiddenSize], NpyFile.Read(_dir["batch/pooler_output.npy"]).Shape);
        for (int r = 0; r < lines.Length; r++)
        {
            var parts = lines[r].Split('\t');
            string[] args = parts.Length == 2
                ? ["run", model, "--text", parts[0], "--text-pair", parts[1], "--pool", "mean", "--out", _dir[$"one{r}"]]
                : ["run", model, "--text", parts[0], "--pool", "mean", "--out", _dir[$"one{r}"]];
            Assert.Equal(0, Run(args).Code);
            var single = NpyFile.Read(_dir[$"one{r}/sentence_embedding.npy"]).Data;
            // Padding is masked out, so a row equals its sentence run alone up to float rounding in the softmax sums.
            for (int j = 0; j < single.Length; j++) Assert.Equal(single[j], batch[r * single.Length + j], 5);
            Assert.Equal(1.0, Math.Sqrt(single.Sum(v => (double)v * v)), 5);
        }
    }

    [Fact]
    public void ClsPoolingIsTheFirstTokenState()
    {
        var model = ModelWithVocabulary();
        Assert.Equal(0, Run("run", model, "--text", "hello", "--pool", "cls", "--out", _dir["o"]).Code);
        var hidden = NpyFile.Read(_dir["o/last_hidden_state.npy"]).Data;
        Assert.Equal(hidden[..SmallConfig.HiddenSize], NpyFile.Read(_dir["o/sentence_embedding.npy"]).Data);
    }

    [Fact]
    public void TextErrorsFollowTheContract()
    {
        var model = ModelWithVocabulary();
        AssertBadInput(["run", model, "--text", "a", "--ids", "1,2", "--out", _dir["o"]], "--text and --ids exclude each other");
        AssertBadInput(["run", model, "--text-pair", "a", "--out", _dir["o"]], "--text-pair needs --text");
        AssertBadInput(["run", model, "--vocab", _dir["m/vocab.txt"], "--out", _dir["o"]], "--vocab and --max-tokens need text");
        AssertBadInput(["run", model, "--text", "a", "--pool", "max", "--out", _dir["o"]], "--pool", "'max' is not a pooling");
        AssertBadInput(["run", model, "--text-file", _dir["missing.txt"], "--out", _dir["o"]], "missing.txt", "no such file");
        File.WriteAllText(_dir["empty.txt"], "\n\n");
        AssertBadInput(["run", model, "--text-file", _dir["empty.txt"], "--out", _dir["o"]], "empty.txt", "holds no sentences");
        File.WriteAllText(_dir["tabs.txt"], "a\tb\tc\n");
        AssertBadInput(["run", model, "--text-file", _dir["tabs.txt"], "--out", _dir["o"]], "line 1 has 2 tabs");

        var bare = _dir["bare"];
        SyntheticBert.Write(bare, SmallConfig, seed: 4, numLabels: 0);
        AssertBadInput(["run", bare, "--text", "a", "--out", _dir["o"]], "has no vocab.txt beside it");
        Assert.False(Directory.Exists(_dir["o"]));
    }

    [Fact]
    public void MaxTokensCutsAndSaysSo()
    {
        var model = ModelWithVocabulary();
        var (code, stdout, _) = Run("run", model, "--text", "a b a b a b", "--max-tokens", "4", "--out", _dir["o"]);
        Assert.Equal(0, code);
        Assert.Contains("4 tokens (cut to --max-tokens)", stdout);
        Assert.Equal([1, 4, SmallConfig.HiddenSize], NpyFile.Read(_dir["o/last_hidden_state.npy"]).Shape);
    }

    [Fact]
    public void InspectNamesTheTokenizerItFound()
    {
        var model = ModelWithVocabulary();
        var (code, stdout, _) = Run("inspect", model);
        Assert.Equal(0, code);
        Assert.Contains($"tokenizer: WordPiece, {TestVocabulary.Tokens(cased: false).Length} tokens, uncased (from the vocabulary)", stdout);
        File.WriteAllText(Path.Combine(model, "vocab.txt"), "junk\n");
        Assert.Contains("tokenizer: unusable:", Run("inspect", model).Out);
    }

    [Fact]
    public void PrunedFolderKeepsTheTokenizerSoTextStillWorks()
    {
        var model = ModelWithVocabulary();
        var (code, stdout, err) = Run("prune", model, "--sparsity", "0.5", "--out", _dir["p"]);
        Assert.True(code == 0, err);
        Assert.Contains("vocab.txt", stdout);
        Assert.Equal(File.ReadAllBytes(Path.Combine(model, "vocab.txt")), File.ReadAllBytes(_dir["p/vocab.txt"]));
        Assert.Equal(0, Run("run", _dir["p"], "--text", "the cat", "--out", _dir["o"]).Code);
    }
}
