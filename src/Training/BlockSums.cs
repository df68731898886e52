using static TorchSharp.torch;

namespace SparseBert.Training;

/// <summary>Per-block sums of a [rows, cols] tensor, as the pattern's blocks tile it.</summary>
public static class BlockSums
{
    /// <summary>
    /// The sum over each r×c block, [⌈rows/r⌉, ⌈cols/c⌉]. Edge blocks that the shape does not fill are zero-padded,
    /// which leaves their sums unchanged.
    /// </summary>
    public static Tensor Of(Tensor x, int blockRows, int blockCols)
    {
        long rows = x.shape[0], cols = x.shape[1];
        long gridRows = (rows + blockRows - 1) / blockRows, gridCols = (cols + blockCols - 1) / blockCols;
        var padded = nn.functional.pad(x, [0, gridCols * blockCols - cols, 0, gridRows * blockRows - rows]);
        return padded.view(gridRows, blockRows, gridCols, blockCols).sum([1, 3]);
    }
}
