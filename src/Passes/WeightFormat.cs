using System.Globalization;
using SparseBert.IR;
using SparseBert.IR.Analysis;

namespace SparseBert.Passes;

/// <summary>A storage format a linear weight can be converted to: dense, BSR at a block shape, CSR, or N:M.</summary>
public sealed record WeightFormat(string Kind, BlockShape? Block = null, int N = 0, int M = 0)
{
    /// <summary>The name the converted data reports (its FormatName): dense, csr, bsr16x16, nm2:4.</summary>
    public string Name => Kind switch { "bsr" => $"bsr{Block}", "nm" => $"nm{N}:{M}", _ => Kind };

    public static readonly WeightFormat Dense = new("dense");
    public static readonly WeightFormat Csr = new("csr");
    public static WeightFormat Bsr(BlockShape block) => new("bsr", block);
    public static WeightFormat Nm(int n, int m) => new("nm", N: n, M: m);

    /// <summary>"dense", "csr", "bsr" (with <paramref name="block"/>), "bsr16x16", "nm2:4"; null when it is none of them.</summary>
    public static WeightFormat? Parse(string text, BlockShape block)
    {
        var t = text.Trim().ToLowerInvariant();
        if (t is "dense") return Dense;
        if (t is "csr") return Csr;
        if (t is "bsr") return Bsr(block);
        if (t.StartsWith("bsr", StringComparison.Ordinal))
            try { return Bsr(BlockShape.Parse(t[3..], "")); }
            catch (BadInputException) { return null; }
        var nm = t.StartsWith("nm", StringComparison.Ordinal) ? t[2..].Split(':') : [];
        return nm.Length == 2 && int.TryParse(nm[0], NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            && int.TryParse(nm[1], NumberStyles.None, CultureInfo.InvariantCulture, out var m) && n >= 1 && n <= m && m <= 256
            ? Nm(n, m) : null;
    }

    /// <summary>The weight in this format; N:M refuses a weight with a group of M holding more than N nonzeros.</summary>
    public ConstantData Convert(Tensor tensor, string name) => Kind switch
    {
        "bsr" => BsrData.FromDense(tensor, Block!),
        "csr" => CsrData.FromDense(tensor),
        "nm" => NmData.Conforms(tensor.Floats, tensor.Shape[0], tensor.Shape[1], N, M)
            ? NmData.FromDense(tensor, N, M)
            : throw new ArgumentException($"weight '{name}' was asked to be {N}:{M} sparse but has a group of {M} with more than {N} nonzeros"),
        _ => new DenseData(tensor),
    };
}
