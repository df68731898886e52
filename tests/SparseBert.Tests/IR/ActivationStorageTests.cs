using SparseBert.Frontend;
using SparseBert.IR;
using SparseBert.IR.Interpretation;

namespace SparseBert.Tests.IR;

/// <summary>
/// F16 activation storage: each computed value rounded to IEEE binary16 (nearest, ties to even, saturating at 65504)
/// when stored. The rounding is checked against a reference written here from the format's definition, not against
/// .NET's Half, and the interpreter's F16 runs against its F32 runs.
/// </summary>
public sealed class ActivationStorageTests
{
    /// <summary>binary16 from its definition: 11 significant bits for |x| ≥ 2⁻¹⁴, a fixed step of 2⁻²⁴ below; saturated.</summary>
    static double ReferenceHalf(float x)
    {
        if (float.IsNaN(x)) return double.NaN;
        double v = Math.Clamp((double)x, -65504, 65504);
        if (v == 0) return v;
        int exponent = Math.Max(Math.ILogB(Math.Abs(v)), -14);
        double step = Math.ScaleB(1.0, exponent - 10);
        return Math.Round(v / step, MidpointRounding.ToEven) * step; // v / step is exact: a power-of-two division
    }

    [Theory]
    [InlineData(1f, 1f)]
    [InlineData(1f + 1f / 2048, 1f)]                   // a tie between 1 and 1 + 2⁻¹⁰: to the even significand
    [InlineData(1f + 3f / 2048, 1f + 2f / 1024)]       // a tie between 1 + 2⁻¹⁰ and 1 + 2⁻⁹: to the even one
    [InlineData(65519f, 65504f)]                       // below the midpoint to the next (unrepresentable) step
    [InlineData(1e6f, 65504f)]                         // saturates instead of overflowing
    [InlineData(-float.MaxValue, -65504f)]             // the attention mask's −FLT_MAX stays finite
    [InlineData(5.9604645e-8f, 5.9604645e-8f)]         // 2⁻²⁴, the smallest subnormal
    [InlineData(2.9802322e-8f, 0f)]                    // 2⁻²⁵, a tie between 0 and 2⁻²⁴
    [InlineData(4.4703484e-8f, 5.9604645e-8f)]         // 0.75 · 2⁻²⁴ rounds up
    public void RoundsAsBinary16(float x, float expected)
    {
        Assert.Equal(expected, HalfStore.Round(x));
        Assert.Equal(expected, (float)ReferenceHalf(x));
    }

    [Fact]
    public void AgreesWithTheDefinitionAcrossMagnitudes()
    {
        var random = new Random(7);
        for (int i = 0; i < 200_000; i++)
        {
            float x = (float)((random.NextDouble() * 2 - 1) * Math.Pow(2, random.Next(-30, 20)));
            Assert.Equal((float)ReferenceHalf(x), HalfStore.Round(x));
        }
        Assert.True(float.IsNaN(HalfStore.Round(float.NaN)));
    }

    static readonly BertModel Model = SyntheticBert.Model(SyntheticBert.Presets["tiny"] with { VocabSize = 600, MaxPositionEmbeddings = 40 });

    [Fact]
    public void F16RunsStoreHalvesCloseToF32AndLeaveTheGraphAlone()
    {
        var graph = BertGraph.Build(Model, 16);
        var inputs = BertInputs.Synthetic(Model.Config, 16, 3);
        var f32 = Interpreter.Run(graph, inputs.ToTensors()).ToDictionary(o => o.Key, o => (float[])o.Value.Floats.Clone());
        var f16 = Interpreter.Run(graph, inputs.ToTensors(), storage: ActivationStorage.F16);
        var again = Interpreter.Run(graph, inputs.ToTensors());

        foreach (var (name, reference) in f32)
        {
            var half = f16[name].Floats;
            Assert.All(half, v => Assert.Equal(HalfStore.Round(v), v)); // every stored value is a binary16
            double range = reference.Max(Math.Abs), error = reference.Zip(half, (a, b) => Math.Abs(a - b)).Max();
            Assert.InRange(error / range, 1e-5, 2e-2); // it does round, and about as much as 11 bits of significand allow
            Assert.Equal(reference, again[name].Floats); // the F16 run changed no constant of the graph
        }
    }

    [Fact]
    public void MaskedKeysStayMaskedWithHalfStores()
    {
        var graph = BertGraph.Build(Model, 16);
        var inputs = BertInputs.Synthetic(Model.Config, 16, 3);
        var mask = Enumerable.Range(0, 16).Select(i => i < 10 ? 1 : 0).ToArray();
        var masked = inputs with { AttentionMask = mask };
        var output = Interpreter.Run(graph, masked.ToTensors(), storage: ActivationStorage.F16)[BertGraph.LastHiddenState].Floats;
        Assert.All(output, v => Assert.True(float.IsFinite(v)));
        // Padding does not change what the unmasked tokens see: changing a padded token's id leaves token 0 alone.
        var ids = (int[])masked.Ids.Clone();
        ids[12] = (ids[12] + 1) % Model.Config.VocabSize;
        var other = Interpreter.Run(graph, (masked with { Ids = ids }).ToTensors(), storage: ActivationStorage.F16)[BertGraph.LastHiddenState].Floats;
        int hidden = Model.Config.HiddenSize;
        Assert.Equal(output.AsSpan(0, hidden).ToArray(), other.AsSpan(0, hidden).ToArray());
    }
}
