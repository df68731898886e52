using System.Globalization;

namespace SparseBert.IR.Analysis;

/// <summary>A block of Rows × Cols weights, the unit of block-structured pruning and of BSR storage.</summary>
public sealed record BlockShape(int Rows, int Cols)
{
    public static readonly IReadOnlyList<BlockShape> InspectDefaults = [new(4, 4), new(8, 8), new(16, 16), new(32, 32)];

    /// <summary>Parses "16x16" or "32x1"; <paramref name="source"/> names where the text came from, for the error.</summary>
    public static BlockShape Parse(string text, string source)
    {
        var parts = text.Split('x', 'X');
        if (parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var r)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var c)
            && r is >= 1 and <= 4096 && c is >= 1 and <= 4096)
            return new BlockShape(r, c);
        throw new BadInputException(source, null, $"'{BadInputException.Printable(text, 20)}' is not a block shape like 16x16 (each side 1..4096)");
    }

    public override string ToString() => $"{Rows}x{Cols}";
}
