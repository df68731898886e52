namespace SparseBert.IR.Interpretation.Kernels;

/// <summary>
/// y[rows, out] = x[rows, in] · Wᵀ + bias with W block-sparse (<see cref="BsrData"/>). The weight is repacked once into
/// 16-output slabs (<see cref="BsrPanels"/>); every (slab, token tile) pair is then one register tile
/// (<see cref="IBsrTile"/>) that runs over just the slab's stored columns, reading x where it lies. Only stored blocks
/// cost time, at close to the dense kernel's rate per multiply-add. Groups of slabs are split among threads; each output
/// element is still computed by one tile in a fixed order, so the result does not depend on scheduling.
/// </summary>
public static class BsrLinear
{
    /// <summary>Below this many multiply-adds a fork/join costs more than it saves (the dense GEMM's threshold).</summary>
    const long ParallelThreshold = 1L << 20;

    /// <summary>
    /// Packed weights per group of slabs (64 KiB): a quarter of a 512 KiB L2, leaving room for x and y. On the BERT FFN
    /// shapes at 20% density, groups of 16 KiB to 256 KiB timed the same within this machine's noise.
    /// </summary>
    const long GroupFloats = 16 * 1024;

    /// <summary>x row-major [rows, in]; y row-major [rows, out] (overwritten); bias [out] or null.</summary>
    public static void Multiply(float[] x, int rows, BsrData weight, float[]? bias, float[] y) =>
        Multiply(x, rows, weight, bias, y, PackedMatrix.BestIsa);

    /// <summary>
    /// Multiply-adds per token this kernel performs for a weight of this structure: the stored blocks, plus the zeros a
    /// 16-output slab carries where block rows shorter than 16 differ in pattern. The cost model's measure of work.
    /// </summary>
    public static long MultiplyAddsPerToken(BlockIndex index)
    {
        ArgumentNullException.ThrowIfNull(index);
        return BsrPanels.MultiplyAddsPerToken(index);
    }

    internal static void Multiply(float[] x, int rows, BsrData weight, float[]? bias, float[] y, GemmIsa isa)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(weight);
        ArgumentNullException.ThrowIfNull(y);
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        int outs = weight.Index.Rows, ins = weight.Index.Cols;
        if (x.Length < (long)rows * ins || y.Length < (long)rows * outs || (bias is not null && bias.Length < outs))
            throw new ArgumentException($"x [{rows}, {ins}], y [{rows}, {outs}] or bias [{outs}] is too short");
        if (rows == 0 || outs == 0)
            return;
        var panels = BsrPanels.Get(weight);
        switch (isa)
        {
            case GemmIsa.Vector512: Job<BsrTile512>.Run(x, rows, ins, outs, panels, bias, y); break;
            case GemmIsa.Vector256: Job<BsrTile256>.Run(x, rows, ins, outs, panels, bias, y); break;
            default: Job<BsrTileScalar>.Run(x, rows, ins, outs, panels, bias, y); break;
        }
    }

    sealed unsafe class Job<TK> where TK : struct, IBsrTile
    {
        float* _x, _tail, _panel, _bias, _y;
        int* _runs;
        int _rows, _ins, _outs, _tiles;
        int[] _groups = [];
        BsrPanels _panels = null!;

        public static void Run(float[] x, int rows, int ins, int outs, BsrPanels panels, float[]? bias, float[] y)
        {
            int tokens = TK.Tokens, tiles = (rows + tokens - 1) / tokens;
            // The bias padded to whole slabs, so every tile starts from 16 valid floats; zeros when there is none.
            var paddedBias = new float[panels.Slabs * BsrPanels.Height];
            bias?.AsSpan(0, outs).CopyTo(paddedBias);
            // x is read in place; only a partial last token tile is copied, zero-padded to full height.
            var tail = new float[rows % tokens == 0 ? 0 : tokens * ins];
            x.AsSpan((tiles - 1) * tokens * ins, rows % tokens * ins).CopyTo(tail);
            bool parallel = KernelThreads.Available > 1 && panels.Slabs > 1
                && (long)rows * panels.SlabSteps[panels.Slabs] * BsrPanels.Height >= ParallelThreshold;
            var groups = Groups(panels, parallel ? 4 * KernelThreads.Available : 1);
            fixed (float* px = x, pt = tail, pw = panels.Data, pb = paddedBias, py = y)
            fixed (int* pr = panels.Runs)
            {
                var job = new Job<TK>
                {
                    _x = px, _tail = pt, _panel = pw + panels.Start, _bias = pb, _y = py, _runs = pr,
                    _rows = rows, _ins = ins, _outs = outs, _tiles = tiles, _groups = groups, _panels = panels,
                };
                if (parallel)
                    Parallel.For(0, groups.Length - 1, KernelThreads.Options, job.RunGroup);
                else
                    for (int g = 0; g < groups.Length - 1; g++)
                        job.RunGroup(g);
            }
        }

        /// <summary>
        /// Consecutive slabs whose packed weights fit in L2 together (GroupFloats), so each token tile of x, once
        /// fetched, serves every slab of the group; but at least <paramref name="minGroups"/> groups to share among cores.
        /// </summary>
        static int[] Groups(BsrPanels panels, int minGroups)
        {
            long total = (long)panels.SlabSteps[panels.Slabs] * BsrPanels.Height;
            long limit = Math.Max(1, Math.Min(GroupFloats, total / minGroups));
            var bounds = new List<int> { 0 };
            for (int s = 0; s < panels.Slabs; s++)
                if (s + 1 == panels.Slabs || (long)(panels.SlabSteps[s + 1] - panels.SlabSteps[bounds[^1]]) * BsrPanels.Height >= limit)
                    bounds.Add(s + 1);
            return bounds.ToArray();
        }

        /// <summary>Token tiles outermost: a tile's rows of x stay in L1/L2 while the group's slabs pass over them.</summary>
        void RunGroup(int group)
        {
            int tokens = TK.Tokens, height = BsrPanels.Height;
            float* edge = stackalloc float[tokens * height]; // partial tiles run full size here; the valid part is copied
            for (int t = 0; t < _tiles; t++)
            {
                int row0 = t * tokens, valid = Math.Min(tokens, _rows - row0);
                float* xTile = valid == tokens ? _x + (long)row0 * _ins : _tail;
                for (int s = _groups[group]; s < _groups[group + 1]; s++)
                {
                    int o0 = s * height, cols = Math.Min(height, _outs - o0);
                    float* w = _panel + (long)_panels.SlabSteps[s] * height;
                    int* runs = _runs + 2 * _panels.SlabRuns[s];
                    int runCount = _panels.SlabRuns[s + 1] - _panels.SlabRuns[s];
                    float* yTile = _y + (long)row0 * _outs + o0;
                    if (valid == tokens && cols == height)
                    {
                        TK.Run(xTile, _ins, w, runs, runCount, _bias + o0, yTile, _outs);
                        continue;
                    }
                    TK.Run(xTile, _ins, w, runs, runCount, _bias + o0, edge, height);
                    for (int j = 0; j < valid; j++)
                        new ReadOnlySpan<float>(edge + j * height, cols).CopyTo(new Span<float>(yTile + (long)j * _outs, cols));
                }
            }
        }
    }
}
