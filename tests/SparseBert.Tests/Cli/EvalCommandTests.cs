using System.Text.Json;
using SparseBert.Tests.Models;
using static SparseBert.Tests.Cli.CliHarness;

namespace SparseBert.Tests.Cli;

/// <summary>`sparsebert eval` on the real MiniLM over a small WordNet-format folder: scores, JSON, and its errors.</summary>
public sealed class EvalCommandTests(MiniLMFiles files) : IClassFixture<MiniLMFiles>, IDisposable
{
    readonly TestFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    string WordNet()
    {
        var folder = _dir["wordnet"];
        Directory.CreateDirectory(folder);
        File.WriteAllLines(Path.Combine(folder, "data.noun"),
        [
            "00000001 03 n 01 dog 0 000 | a domesticated carnivorous mammal kept as a pet; \"the dog barked all night\"",
            "00000002 03 n 01 piano 0 000 | a keyboard instrument played by pressing keys; \"she played a sonata on the piano\"",
            "00000003 03 n 01 rain 0 000 | water falling from clouds in drops; \"we walked home in the rain\"",
            "00000004 03 n 01 bread 0 000 | food baked from flour and water; \"he bought a loaf of bread\"",
        ]);
        return folder;
    }

    [Fact]
    public void ScoresTheModelAndItsAgreementWithTheTeacher()
    {
        var json = _dir["scores/eval.json"];
        var (code, stdout, stderr) = Run("eval", files.OnnxPath, "--teacher", files.OnnxPath, "--wordnet", WordNet(), "--synsets", "4", "--json", json);
        Assert.True(code == 0, stderr);
        Assert.Contains("WordNet noun, 4 synsets", stdout);
        Assert.Contains("embedding cosine 1.0000, last_hidden_state cosine 1.0000", stdout);
        using var doc = JsonDocument.Parse(File.ReadAllBytes(json));
        var score = doc.RootElement.GetProperty("score");
        Assert.Equal(4, score.GetProperty("queries").GetInt32());
        Assert.Equal(score.GetProperty("accuracy_at1").GetDouble(), doc.RootElement.GetProperty("teacher_score").GetProperty("accuracy_at1").GetDouble());
        Assert.InRange(score.GetProperty("mean_reciprocal_rank").GetDouble(), 0.25, 1);
    }

    [Fact]
    public void BadInputIsOneLine()
    {
        var wordnet = WordNet();
        AssertBadInput(["eval", files.OnnxPath, "--wordnet", wordnet, "--pos", "pronoun"], "--pos", "not a WordNet part of speech");
        AssertBadInput(["eval", files.OnnxPath, "--wordnet", wordnet, "--synsets", "9"], "data.noun", "has 4 synsets with an example sentence; 9 were asked for");
        AssertBadInput(["eval", files.OnnxPath, "--wordnet", _dir["none"]], "no WordNet here");
        AssertBadInput(["eval", files.OnnxPath, "--wordnet", wordnet, "--synsets", "4", "--task", "glue"], "--task", "'glue' is not a task");
    }
}
