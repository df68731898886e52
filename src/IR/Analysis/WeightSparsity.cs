namespace SparseBert.IR.Analysis;

/// <summary>Block occupancy of a weight at one block shape: the fraction of blocks holding a nonzero.</summary>
public sealed record BlockOccupancy(BlockShape Block, double Occupancy);

/// <summary>N:M conformance: every group of M consecutive weights along a row holds at most N nonzeros.</summary>
public sealed record NmConformance(int N, int M, bool Conforms);

/// <summary>What the sparsity analysis learned about one weight matrix; attached to its constant, read by later passes and reports.</summary>
public sealed record WeightSparsity(
    double ElementSparsity,
    IReadOnlyList<BlockOccupancy> Blocks,
    IReadOnlyList<NmConformance> NmPatterns,
    int DeadRows,
    int DeadColumns)
{
    public override string ToString() =>
        $"sparsity={ElementSparsity:P1} " + string.Join(" ", Blocks.Select(b => $"occ{b.Block}={b.Occupancy:P1}")) +
        (NmPatterns.Any(p => p.Conforms) ? " " + string.Join(" ", NmPatterns.Where(p => p.Conforms).Select(p => $"{p.N}:{p.M}")) : "") +
        $" dead_rows={DeadRows} dead_cols={DeadColumns}";
}
