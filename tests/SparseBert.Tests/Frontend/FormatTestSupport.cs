using SparseBert.IR;

namespace SparseBert.Tests.Frontend;

static class BadInput
{
    /// <summary>Asserts the one-line message names the file, the tensor where there is one, and the problem.</summary>
    public static BadInputException Expect(Action action, string path, string? tensor, string fragment)
    {
        var e = Assert.Throws<BadInputException>(action);
        Assert.Contains(path, e.Message);
        Assert.Equal(tensor, e.Tensor);
        if (tensor is not null) Assert.Contains($"'{tensor}'", e.Message);
        Assert.Contains(fragment, e.Message);
        Assert.DoesNotContain('\n', e.Message);
        return e;
    }
}

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
