using SparseBert.Frontend;
using SparseBert.IR;
using SparseBert.IR.Analysis;

namespace SparseBert.Cli.Commands;

/// <summary>`sparsebert inspect`: config, size, and the sparsity of every weight matrix.</summary>
public sealed class InspectCommand : ICommand
{
    public string Name => "inspect";
    public string Usage => "sparsebert inspect MODEL [--config FILE] [--blocks 4x4,8x8,16x16,32x32]";
    public string Summary => "show the config, parameter count and bytes, and each weight's sparsity, block occupancy and dead rows, columns and heads";

    public IReadOnlyList<OptionSpec> Options { get; } =
    [
        ModelArguments.Config,
        new("blocks", "RxC,...", "block shapes for the occupancy columns (default 4x4,8x8,16x16,32x32)"),
    ];

    public int Execute(CommandLine args, TextWriter output)
    {
        args.ExpectPositionals(1, Usage);
        var blocks = args.Get("blocks") is { } text
            ? text.Split(',', StringSplitOptions.TrimEntries).Select(b => BlockShape.Parse(b, "--blocks")).ToList()
            : BlockShape.InspectDefaults;
        var model = ModelArguments.LoadModel(args, output);
        var c = model.Config;

        output.WriteLine($"config: hidden_size={c.HiddenSize} layers={c.NumHiddenLayers} heads={c.NumAttentionHeads} " +
                         $"intermediate_size={c.IntermediateSize} vocab={c.VocabSize} positions={c.MaxPositionEmbeddings} " +
                         $"type_vocab={c.TypeVocabSize} eps={c.LayerNormEps:G} act={BertConfig.ActName(c.HiddenAct)}");
        output.WriteLine($"heads: pooler={(model.HasPooler ? "yes" : "no")} classifier={(model.NumLabels > 0 ? $"{model.NumLabels} labels" : "no")}");
        output.WriteLine($"parameters: {model.ParameterCount:N0} ({model.ParameterCount * 4 / 1e6:F1} MB as f32; checkpoint file {new FileInfo(model.Source).Length / 1e6:F1} MB)");
        output.WriteLine();

        var reports = BertSparsityReport.Matrices(model, blocks);
        int nameWidth = Math.Max(6, reports.Max(r => r.Name.Length));
        var header = $"{"weight".PadRight(nameWidth)}  {"shape",-12} {"sparsity",8}  " +
                     string.Join(" ", blocks.Select(b => $"{"occ " + b,10}")) + $"  {"dead rows",9} {"dead cols",9}";
        output.WriteLine(header);
        output.WriteLine(new string('-', header.Length));
        foreach (var r in reports)
            output.WriteLine($"{r.Name.PadRight(nameWidth)}  {$"{r.Shape[0]}x{r.Shape[1]}",-12} {r.ElementSparsity,8:P1}  " +
                             string.Join(" ", r.BlockOccupancy.Select(o => $"{o,10:P1}")) + $"  {r.DeadRows,9} {r.DeadColumns,9}");

        long total = reports.Sum(r => r.Shape.ElementCount);
        double zeros = reports.Sum(r => r.ElementSparsity * r.Shape.ElementCount);
        output.WriteLine($"\nencoder, pooler and classifier matrices: {total:N0} weights, {zeros / Math.Max(1, total):P1} zero");

        var deadHeads = Enumerable.Range(0, c.NumHiddenLayers)
            .Select(l => (Layer: l, Heads: BertSparsityReport.DeadHeads(model, l)))
            .Where(x => x.Heads.Length > 0).ToList();
        output.WriteLine(deadHeads.Count == 0
            ? "dead heads: none"
            : "dead heads: " + string.Join("; ", deadHeads.Select(x => $"layer {x.Layer}: {string.Join(",", x.Heads)}")));
        return 0;
    }
}
