using System.Buffers.Binary;
using SparseBert.Backends.Cuda;
using SparseBert.Frontend;
using SparseBert.IR;
using SparseBert.IR.Analysis;
using SparseBert.Passes;
using SparseBert.Tests.Cli;
using Xunit.Abstractions;

namespace SparseBert.Tests.Backends.Cuda;

/// <summary>
/// `compile --target cuda --weights-recipe`: weights.recipe accounts for every byte of weights.bin, and the project's
/// regen_weights.c, built with the machine's C compiler, rebuilds compile's weights.bin byte for byte for every weight
/// format (dense, BSR with folded biases, CSR, N:M), and keeps nothing when the recipe is damaged.
/// </summary>
public sealed class WeightRecipeTests(ITestOutputHelper output) : IDisposable
{
    const int Seed = 1234;
    readonly TestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>How the tiny portable model is pruned before compiling, and what its weights become.</summary>
    public static TheoryData<string> Variants => new() { "dense", "block16x16:0.9", "magnitude:0.9", "nm:2:4" };

    [Fact]
    public void Portable_values_have_the_initializer_range_and_depend_only_on_tensor_and_index()
    {
        var values = PortableValues.Tensor(Seed, "encoder.layer.0.intermediate.dense.weight", 200_000);
        double mean = values.Average(v => (double)v);
        double std = Math.Sqrt(values.Average(v => ((double)v - mean) * ((double)v - mean)));
        Assert.InRange(mean, -2e-4, 2e-4);
        Assert.InRange(std, 0.0198, 0.0202);
        Assert.All(values, v => Assert.InRange(v, -3.47f * 0.02f, 3.47f * 0.02f));

        var key = PortableValues.Key(Seed, "encoder.layer.0.intermediate.dense.weight");
        Assert.Equal(values[123_456], PortableValues.Value(key, 0f, 123_456));
        Assert.NotEqual(key, PortableValues.Key(Seed + 1, "encoder.layer.0.intermediate.dense.weight"));
        var gammas = PortableValues.Tensor(Seed, "encoder.layer.0.output.LayerNorm.weight", 1000);
        Assert.InRange(gammas.Average(v => (double)v), 0.99, 1.01);
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Recipe_accounts_for_every_byte_of_weights_bin(string variant)
    {
        var project = Compile(variant);
        var weights = File.ReadAllBytes(Path.Combine(project, "weights.bin"));
        var recipe = File.ReadAllBytes(Path.Combine(project, "weights.recipe"));
        output.WriteLine($"{variant}: weights.bin {weights.Length:N0} bytes, weights.recipe {recipe.Length:N0} bytes");

        Assert.Equal("SBRECIPE"u8.ToArray(), recipe[..8]);
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(recipe.AsSpan(8)));
        Assert.Equal(weights.Length, (long)BinaryPrimitives.ReadUInt64LittleEndian(recipe.AsSpan(16)));
        ulong digest = 14695981039346656037UL;
        foreach (byte b in weights) digest = (digest ^ b) * 1099511628211UL;
        Assert.Equal(digest, BinaryPrimitives.ReadUInt64LittleEndian(recipe.AsSpan(24)));
        // Dense and BSR values are runs; unstructured zeros in a dense matrix cost a mask bit each, CSR and N:M values
        // four bytes each. (At the tiny model's 16 tokens the a100's cost model keeps even 16x16 blocks at 90 % dense:
        // its kernels are launch-bound, so the block variant's zeros are mask bits too.)
        Assert.True(recipe.Length < weights.Length / (variant is "dense" ? 100 : 10),
            $"weights.recipe is {recipe.Length} bytes for {weights.Length}");
        Assert.Contains("regen_weights: regen_weights.c", File.ReadAllText(Path.Combine(project, "Makefile")));
    }

    [RequiresToolsTheory("cc", "make")]
    [MemberData(nameof(Variants))]
    public void Regen_weights_rebuilds_compiles_weights_bin_byte_for_byte(string variant)
    {
        var project = Compile(variant);
        var compiled = Path.Combine(project, "weights.compiled");
        File.Move(Path.Combine(project, "weights.bin"), compiled);

        var make = Toolchain.Run(project, "make", TimeSpan.FromMinutes(2), "--no-print-directory", "weights.bin");
        output.WriteLine(make.Stdout + make.Stderr);
        Assert.True(make.ExitCode == 0, $"make weights.bin failed ({make.ExitCode}):\n{make.Stdout}\n{make.Stderr}");
        Assert.Contains("as the recipe expects", make.Stdout);
        Assert.True(File.ReadAllBytes(compiled).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(project, "weights.bin"))),
            "regen_weights wrote other bytes than compile");
    }

    /// <summary>
    /// The cost model keeps the tiny model's unstructured and 2:4 weights dense, so CSR and N:M values (scattered
    /// elements: list records) are forced here through the backend's API, the tagged run under the same overrides.
    /// </summary>
    [RequiresToolsTheory("cc", "make")]
    [InlineData("magnitude:0.9", "csr")]
    [InlineData("nm:2:4", "nm2:4")]
    public void Regen_weights_rebuilds_csr_and_nm_weights(string variant, string format)
    {
        var model = BertImporter.Load(Prune(variant), null);
        var block = new BlockShape(16, 16);
        var inputs = BertInputs.Synthetic(model.Config, 16);
        var linears = Optimize(model, block, new Dictionary<string, string>());
        // prune leaves the pooler dense (its default --exclude), so only the encoder's linears change format.
        var overrides = linears.Nodes.OfType<Linear>().Select(l => linears[l.Weight].Name)
            .Where(n => n.StartsWith("encoder.", StringComparison.Ordinal)).ToDictionary(n => n, _ => format);
        var graph = Optimize(model, block, overrides);
        Assert.Contains(graph.Constants, c => c.Node.Data.FormatName.StartsWith(format[..2], StringComparison.Ordinal));

        var recipe = WeightProvenance.Build(model, Seed, graph, m => Optimize(m, block, overrides));
        var project = _folder["forced-" + format.Replace(':', '-')];
        CudaBackend.Emit(graph, inputs.ToTensors(), new CudaOptions(), project, "forced " + format, recipe);
        output.WriteLine($"{variant} as {format}: {recipe.Records.Count} records, {recipe.Records.OfType<ListRecord>().Count()} lists, " +
                         $"weights.recipe {new FileInfo(Path.Combine(project, "weights.recipe")).Length:N0} bytes for {recipe.BlobBytes:N0}");
        Assert.NotEmpty(recipe.Records.OfType<ListRecord>());

        var compiled = Path.Combine(project, "weights.compiled");
        File.Move(Path.Combine(project, "weights.bin"), compiled);
        var make = Toolchain.Run(project, "make", TimeSpan.FromMinutes(2), "--no-print-directory", "weights.bin");
        Assert.True(make.ExitCode == 0, $"make weights.bin failed ({make.ExitCode}):\n{make.Stdout}\n{make.Stderr}");
        Assert.True(File.ReadAllBytes(compiled).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(project, "weights.bin"))),
            "regen_weights wrote other bytes than the backend");
    }

    static Graph Optimize(BertModel model, BlockShape block, IReadOnlyDictionary<string, string> overrides) =>
        new PassManager().Run(Pipelines.Optimize(new OptimizeOptions { Block = block, FormatOverrides = overrides }), BertGraph.Build(model, 16), new PassContext());

    [RequiresToolsFact("cc", "make")]
    public void Regen_weights_keeps_nothing_from_a_damaged_recipe()
    {
        var project = Compile("block16x16:0.9");
        File.Delete(Path.Combine(project, "weights.bin"));
        var build = Toolchain.Run(project, "make", TimeSpan.FromMinutes(2), "--no-print-directory", "regen_weights");
        Assert.True(build.ExitCode == 0, build.Stderr);
        var recipe = File.ReadAllBytes(Path.Combine(project, "weights.recipe"));

        // The first source's key (header: 40 bytes): every value of that tensor changes, so the digest cannot match.
        var wrongKey = (byte[])recipe.Clone();
        wrongKey[40] ^= 1;
        var damaged = Regenerate(project, wrongKey);
        Assert.Equal(1, damaged.ExitCode);
        Assert.Contains("kept nothing", damaged.Stderr);
        AssertNothingWritten(project);

        var truncated = Regenerate(project, recipe[..(recipe.Length - 3)]);
        Assert.Equal(2, truncated.ExitCode);
        Assert.StartsWith($"regen_weights: {Path.Combine(project, "damaged.recipe")}: ", truncated.Stderr);
        AssertNothingWritten(project);

        Assert.Equal(2, Regenerate(project, [.. "NOTARECIPE"u8]).ExitCode);
        AssertNothingWritten(project);
        Assert.Equal(0, Regenerate(project, recipe).ExitCode);
        Assert.True(File.Exists(Path.Combine(project, "out.bin")));
    }

    static void AssertNothingWritten(string project) =>
        Assert.False(File.Exists(Path.Combine(project, "out.bin")) || File.Exists(Path.Combine(project, "out.bin.part")), "regen_weights left a file");

    [Fact]
    public void A_recipe_needs_the_portable_values_and_their_seed()
    {
        var normal = _folder["normal"];
        SyntheticBert.Write(normal, TestModels.Tiny, Seed);
        CliHarness.AssertBadInput(["compile", normal, "--target", "cuda", "--weights-recipe", $"{Seed}", "--seq", "8", "--out", _folder["n"]],
            "only 0.0 %", "synth --values portable --seed 1234");
        CliHarness.AssertBadInput(["compile", PortableModel(), "--target", "cuda", "--weights-recipe", "99", "--seq", "8", "--out", _folder["s"]],
            "--seed 99");
        CliHarness.AssertBadInput(["compile", PortableModel(), "--target", "hls", "--weights-recipe", $"{Seed}", "--out", _folder["h"]],
            "--weights-recipe");
    }

    string PortableModel()
    {
        var path = _folder["portable"];
        if (!Directory.Exists(path)) SyntheticBert.Write(path, TestModels.Tiny, Seed, values: SyntheticValues.Portable);
        return path;
    }

    /// <summary>The portable tiny model pruned as the variant says ("block16x16:0.9", "magnitude:0.9", "nm:2:4"), or itself for "dense".</summary>
    string Prune(string variant)
    {
        var model = PortableModel();
        if (variant == "dense") return model;
        var (method, rest) = (variant[..variant.IndexOf(':')], variant[(variant.IndexOf(':') + 1)..]);
        string[] prune = method switch
        {
            "block16x16" => ["--block", "16x16", "--sparsity", rest],
            "magnitude" => ["--pattern", "magnitude", "--sparsity", rest],
            _ => ["--pattern", variant],
        };
        var pruned = _folder["pruned-" + method];
        if (Directory.Exists(pruned)) return pruned;
        var (code, _, error) = CliHarness.Run(["prune", model, .. prune, "--out", pruned]);
        Assert.True(code == 0, error);
        return pruned;
    }

    /// <summary>The pruned portable tiny model compiled with a recipe; returns the project folder.</summary>
    string Compile(string variant)
    {
        var project = _folder["project-" + variant.Replace(':', '-')];
        var (code, stdout, error) = CliHarness.Run("compile", Prune(variant), "--target", "cuda", "--weights-recipe", $"{Seed}", "--seq", "16", "--out", project);
        Assert.True(code == 0, error);
        output.WriteLine(string.Join('\n', stdout.Split('\n').Where(l => l.StartsWith("weights.recipe", StringComparison.Ordinal) ||
                                                                          l.Contains("→ ", StringComparison.Ordinal) || l.StartsWith("shrink", StringComparison.Ordinal))));
        return project;
    }

    static Toolchain.ProcessResult Regenerate(string project, byte[] recipe)
    {
        var path = Path.Combine(project, "damaged.recipe");
        File.WriteAllBytes(path, recipe);
        return Toolchain.Run(project, Path.Combine(project, "regen_weights"), TimeSpan.FromMinutes(1), path, "out.bin");
    }
}
