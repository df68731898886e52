namespace SparseBert.Tests.Frontend;

static class TestData
{
    /// <summary>Shapes of rank 0 to 4 and a zero-size tensor, with reproducible values.</summary>
    public static List<(string Name, int[] Shape, float[] Data)> Tensors(int seed = 1)
    {
        var random = new Random(seed);
        int[][] shapes = [[], [5], [2, 3], [2, 3, 4], [1, 2, 3, 2], [0, 4]];
        return shapes.Select((shape, i) =>
        {
            var data = new float[shape.Aggregate(1, (n, d) => n * d)];
            for (int j = 0; j < data.Length; j++) data[j] = (float)(random.NextDouble() * 200 - 100);
            return ($"layer.{i}.weight", shape, data);
        }).ToList();
    }

    public static float RoundThroughHalf(float x) => (float)(Half)x;

    /// <summary>Reference bf16 rounding written independently of the reader and writer: via double arithmetic on the 8-bit mantissa.</summary>
    public static float RoundThroughBFloat16(float x)
    {
        if (x == 0) return x;
        int exponent = (int)Math.Floor(Math.Log2(Math.Abs(x)));
        double ulp = Math.Pow(2, exponent - 7);
        return (float)(Math.Round(x / ulp, MidpointRounding.ToEven) * ulp);
    }
}
