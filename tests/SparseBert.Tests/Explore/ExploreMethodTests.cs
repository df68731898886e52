using SparseBert.Simulator.Explore;
using SparseBert.Tests.Cli;
using SparseBert.Tests.Frontend.Text;
using SparseBert.Tests.Training;

namespace SparseBert.Tests.Explore;

/// <summary>
/// `explore --method` and `explore --task` end to end on the tiny model: trained points beside one-shot ones in
/// results.csv, the report and the recommendations; resuming and sharding with the method axis; the WordNet task's
/// columns over a small WordNet-format folder. Training runs 2 steps of 2 sentences on 2 threads, so the tests stay fast
/// and their bytes repeat.
/// </summary>
[Collection(TrainingCollection.Name)]
public sealed class ExploreMethodTests : IDisposable
{
    readonly TestFolder _dir = new();
    readonly string _model, _corpus;

    public ExploreMethodTests()
    {
        _model = _dir["model"];
        SparseBert.Frontend.SyntheticBert.Write(_model, CliHarness.SmallConfig, seed: 5);
        TestVocabulary.Write(_model);
        _corpus = _dir["corpus.txt"];
        File.WriteAllLines(_corpus, ["hello world", "the cat sat", "a b a b the cat", "hello , world !", "unaffable cat", "the world sat"]);
    }

    public void Dispose() => _dir.Dispose();

    /// <summary>2 methods × 1 block shape × 2 sparsities = 4 trained points, on 2 devices.</summary>
    string[] Sweep(string outDir, params string[] extra) =>
        ["explore", _model, "--method", "oneshot,progressive", "--blocks", "16x16", "--sparsity", "0.5,0.9", "--devices", "zcu102,jetson-orin", "--seq", "8",
         "--calib", "1", "--steps", "2", "--batch", "2", "--threads", "2", "--corpus", _corpus, .. extra, "--out", outDir];

    static string Ok(params string[] args)
    {
        var (code, stdout, stderr) = CliHarness.Run(args);
        Assert.True(code == 0, stderr);
        return stdout;
    }

    static int TrainingLines(string stdout) => stdout.Split('\n').Count(l => l.StartsWith("training progressive for ", StringComparison.Ordinal));

    [Fact]
    public void Trained_points_sit_beside_one_shot_ones_in_the_results_the_report_and_the_recommendations()
    {
        var stdout = Ok(Sweep(_dir["a"]));
        Assert.Equal(2, TrainingLines(stdout));
        Assert.Contains("training progressive for 16x16 at 90%: 2 steps of 2", stdout);
        Assert.Contains("sweeping 2 methods x 1 block shapes x 2 sparsities x 2 devices = 8 points", stdout);
        Assert.Matches(@"zcu102, fidelity ≥ 0\.9: .*(by oneshot|by progressive|dense is fastest|nothing that fits)", stdout);

        var rows = ResultsCsv.Read(_dir["a/results.csv"]);
        Assert.Equal(8, rows.Count);
        Assert.Equal(["oneshot", "progressive"], rows.Select(r => r.Method).Distinct());
        Assert.StartsWith("method,block,sparsity,device,", File.ReadAllText(_dir["a/results.csv"]));
        Assert.All(rows, r => Assert.Null(r.TaskAccuracy));
        // Trained at the same sparsity and pattern, the model is another one: its fidelity differs, its norm kept too.
        foreach (var sparsity in new[] { 0.5, 0.9 })
        {
            var oneshot = rows.First(r => r.Method == "oneshot" && r.Sparsity == sparsity);
            var trained = rows.First(r => r.Method == "progressive" && r.Sparsity == sparsity);
            Assert.NotEqual(oneshot.FidelityCosine, trained.FidelityCosine);
            Assert.InRange(trained.FidelityCosine, 0, 1 + 1e-12);
        }

        var html = File.ReadAllText(_dir["a/report.html"]);
        Assert.Contains("16x16, oneshot</text>", html);
        Assert.Contains("16x16, progressive</text>", html);
        Assert.Contains("<dt>Methods</dt><dd>oneshot, progressive</dd>", html);
        Assert.Contains("<th class=\"text\">method</th>", html);
        Assert.Contains("<td class=\"text\">progressive</td>", html);
        Assert.Contains("--method oneshot,progressive", html);
        Assert.Contains("--steps 2 --batch 2", html);
        Assert.Contains("\"training\": \"2 steps of 2, lr 0.001", File.ReadAllText(_dir["a/sweep.json"]));

        // The same command gives the same bytes: training is deterministic for a seed and a thread count.
        Ok(Sweep(_dir["b"]));
        Assert.Equal(File.ReadAllBytes(_dir["a/results.csv"]), File.ReadAllBytes(_dir["b/results.csv"]));
    }

    [Fact]
    public void A_resumed_sweep_trains_only_the_points_it_lacks_and_shards_merge_to_the_same_bytes()
    {
        Ok(Sweep(_dir["whole"]));
        Directory.Move(_dir["whole"], _dir["unsharded"]);
        var full = File.ReadAllLines(_dir["unsharded/results.csv"]);

        // Shards cut methods × blocks × sparsities in turn: shard 1 of 2 takes each method's point at 0.5.
        Assert.Equal(1, TrainingLines(Ok(Sweep(_dir["s1"], "--shard", "1/2"))));
        Assert.Equal([("oneshot", 0.5), ("progressive", 0.5)], ResultsCsv.Read(_dir["s1/results.csv"]).Select(r => (r.Method, r.Sparsity)).Distinct());
        Ok(Sweep(_dir["s2"], "--shard", "2/2"));
        var merged = Ok("explore", "merge", _dir["s2"], _dir["s1"], "--out", _dir["whole"]);
        Assert.Contains("merged 2 of 2 shards", merged);
        foreach (var file in new[] { "results.csv", "report.html", "sweep.json" })
            Assert.True(File.ReadAllBytes(Path.Combine(_dir["unsharded"], file)).SequenceEqual(File.ReadAllBytes(Path.Combine(_dir["whole"], file))), $"{file} differs");

        // An interruption after the first trained point: its rows and the one-shot rows survive; resuming trains only
        // the point at 0.9, and the folder ends as the uninterrupted sweep's.
        Directory.CreateDirectory(_dir["cut"]);
        File.Copy(_dir["unsharded/sweep.json"], _dir["cut/sweep.json"]);
        File.WriteAllText(_dir["cut/results.csv"], string.Join('\n', full.Take(7)) + "\n");
        var stdout = Ok(Sweep(_dir["cut"]));
        Assert.Contains("resumed: 6 points already in results.csv", stdout);
        Assert.Equal(1, TrainingLines(stdout));
        Assert.Contains("training progressive for 16x16 at 90%", stdout);
        Assert.Equal(full, File.ReadAllLines(_dir["cut/results.csv"]));

        // Once every point is there, a resume trains nothing.
        Assert.Equal(0, TrainingLines(Ok(Sweep(_dir["cut"]))));
    }

    string WordNet()
    {
        var folder = _dir["wordnet"];
        Directory.CreateDirectory(folder);
        File.WriteAllLines(Path.Combine(folder, "data.noun"),
        [
            "00000001 03 n 01 cat 0 000 | the cat sat on a mat; \"the cat sat\"",
            "00000002 03 n 01 world 0 000 | the world, hello; \"hello world\"",
            "00000003 03 n 01 greeting 0 000 | a word said in hello; \"hello , hello !\"",
            "00000004 03 n 01 letters 0 000 | a and b; \"a b a b\"",
        ]);
        return folder;
    }

    [Fact]
    public void With_a_task_every_point_has_its_score_and_the_report_ranks_by_it()
    {
        string[] sweep = ["explore", _model, "--blocks", "16x16", "--sparsity", "0.5,0.9", "--devices", "zcu102", "--seq", "8", "--calib", "1",
            "--task", "wordnet", "--synsets", "4", "--wordnet", WordNet(), "--out", _dir["t"]];
        var stdout = Ok(sweep);
        Assert.Contains("dense accuracy@1", stdout);
        Assert.Contains("zcu102, fidelity ≥ 0.9·dense: ", stdout);

        var rows = ResultsCsv.Read(_dir["t/results.csv"]);
        Assert.Equal(2, rows.Count);
        Assert.All(rows, r => Assert.True(r.TaskAccuracy is >= 0 and <= 1 && r.TaskMrr is >= 0.25 and <= 1, $"{r.TaskAccuracy} {r.TaskMrr}"));
        var html = File.ReadAllText(_dir["t/report.html"]);
        Assert.Contains("accuracy@1 on WordNet noun gloss retrieval, 4 synsets", html);
        Assert.Contains("a floor is a fraction of the dense model's", html);
        Assert.Contains("accuracy@1 &#8805; 0.9·dense", html.Replace("≥", "&#8805;"));
        Assert.Contains("\"task\": \"WordNet noun gloss retrieval, 4 synsets\"", File.ReadAllText(_dir["t/sweep.json"]));

        // A resume without the task would mix rows with and without scores: refused.
        CliHarness.AssertBadInput(sweep.Take(sweep.Length - 8).Concat(["--out", _dir["t"]]).ToArray(), "sweep.json", "task");
    }

    [Fact]
    public void Task_and_training_options_are_checked_before_anything_is_written()
    {
        string[] Plain(params string[] extra) =>
            ["explore", _model, "--blocks", "16x16", "--sparsity", "0.5", "--devices", "zcu102", "--seq", "8", "--calib", "1", .. extra, "--out", _dir["x"]];
        CliHarness.AssertBadInput(Plain("--method", "oneshot,prune"), "--method must be oneshot or one of bsp, progressive, imp, mask, got 'prune'");
        CliHarness.AssertBadInput(Plain("--steps", "2"), "--steps applies only to a training --method");
        CliHarness.AssertBadInput(Plain("--synsets", "4"), "--synsets applies only with --task wordnet");
        CliHarness.AssertBadInput(Plain("--task", "glue"), "--task", "'glue' is not a task");
        CliHarness.AssertBadInput(Plain("--task", "wordnet", "--wordnet", _dir["nowhere"]), "no WordNet here");

        var bare = _dir["bare"];
        SparseBert.Frontend.SyntheticBert.Write(bare, CliHarness.SmallConfig, seed: 5);
        CliHarness.AssertBadInput(["explore", bare, "--method", "progressive", "--blocks", "16x16", "--sparsity", "0.5", "--devices", "zcu102", "--seq", "8",
            "--calib", "1", "--out", _dir["x"]], bare, "has no vocab.txt");
        CliHarness.AssertBadInput(["explore", bare, "--task", "wordnet", "--synsets", "4", "--wordnet", WordNet(), "--blocks", "16x16", "--sparsity", "0.5",
            "--devices", "zcu102", "--seq", "8", "--calib", "1", "--out", _dir["x"]], bare, "has no vocab.txt");
        Assert.False(Directory.Exists(_dir["x"]));
    }
}
