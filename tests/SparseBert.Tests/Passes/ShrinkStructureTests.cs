using SparseBert.IR;
using SparseBert.Passes;
using static SparseBert.Tests.Passes.PassTestKit;

namespace SparseBert.Tests.Passes;

public sealed class ShrinkStructureTests
{
    const string L0 = "encoder.layer.0.";

    [Fact]
    public void ADeadHeadByItsOutputColumnsIsRemoved()
    {
        var before = TinyGraph(edit: (name, w, s) =>
        {
            if (name == L0 + "attention.output.dense.weight") ZeroColumns(w, s[0], s[1], 64, 64);
        });
        var (after, context) = Run(before, new ShrinkStructure());
        Assert.Equal([64, 128], Dims(after, L0 + "attention.self.query.weight"));
        Assert.Equal([64], Dims(after, L0 + "attention.self.value.bias"));
        Assert.Equal([128, 64], Dims(after, L0 + "attention.output.dense.weight"));
        Assert.Contains(after.Nodes.OfType<Reshape>(), r => r.To.Equals(new Shape(12, 1, 64)));
        Assert.Equal(1, context.Get<ShrinkReport>()!.HeadsRemoved);
        AssertSameOutputs(before, after);
    }

    [Fact]
    public void ADeadHeadByItsValueRowsAndBiasIsRemoved()
    {
        var before = TinyGraph(edit: (name, w, s) =>
        {
            if (name == L0 + "attention.self.value.weight") ZeroRows(w, s[1], 0, 64);
            if (name == L0 + "attention.self.value.bias") Array.Clear(w, 0, 64);
        });
        var (after, _) = Run(before, new ShrinkStructure());
        Assert.Equal([64, 128], Dims(after, L0 + "attention.self.key.weight"));
        AssertSameOutputs(before, after);
    }

    [Fact]
    public void ZeroQueryAndKeyRowsDoNotKillAHead()
    {
        // The head's attention becomes uniform, but its values still flow: removing it would change the output.
        var before = TinyGraph(edit: (name, w, s) =>
        {
            if (name is L0 + "attention.self.query.weight" or L0 + "attention.self.key.weight") ZeroRows(w, s[1], 0, 64);
            if (name is L0 + "attention.self.query.bias" or L0 + "attention.self.key.bias") Array.Clear(w, 0, 64);
        });
        var (after, _) = Run(before, new ShrinkStructure());
        Assert.Same(before, after);
    }

    [Fact]
    public void ANeuronWithZeroWeightsButALiveBiasIsFoldedIntoTheNextBias()
    {
        var before = TinyGraph(edit: (name, w, s) =>
        {
            if (name == L0 + "intermediate.dense.weight") ZeroRows(w, s[1], 10, 5);
            if (name == L0 + "intermediate.dense.bias") for (int j = 10; j < 15; j++) w[j] = 0.5f + j / 10f;
        });
        var (after, context) = Run(before, new ShrinkStructure());
        Assert.Equal([507, 128], Dims(after, L0 + "intermediate.dense.weight"));
        Assert.Equal([128, 507], Dims(after, L0 + "output.dense.weight"));
        Assert.Equal(5, context.Get<ShrinkReport>()!.NeuronsFolded);
        AssertSameOutputs(before, after);
    }

    [Fact]
    public void ANeuronWhoseOutputColumnIsZeroIsRemoved()
    {
        var before = TinyGraph(edit: (name, w, s) =>
        {
            if (name == "encoder.layer.1.output.dense.weight") ZeroColumns(w, s[0], s[1], 100, 12);
        });
        var (after, context) = Run(before, new ShrinkStructure());
        Assert.Equal([500, 128], Dims(after, "encoder.layer.1.intermediate.dense.weight"));
        Assert.Equal(12, context.Get<ShrinkReport>()!.NeuronsRemoved);
        AssertSameOutputs(before, after);
    }

    [Fact]
    public void AnAllZeroFfnKeepsOneNeuronAndTheSameOutput()
    {
        var before = TinyGraph(edit: (name, w, s) =>
        {
            if (name is L0 + "intermediate.dense.weight" or L0 + "output.dense.weight") Array.Clear(w);
        });
        var (after, _) = Run(before, new ShrinkStructure());
        Assert.Equal([1, 128], Dims(after, L0 + "intermediate.dense.weight"));
        AssertSameOutputs(before, after);
    }

    [Fact]
    public void AFullyDenseModelIsLeftAsItIs()
    {
        var before = TinyGraph();
        Assert.Same(before, Run(before, new ShrinkStructure()).After);
    }

    [Theory]
    [InlineData(1, 12, 500)]
    [InlineData(16, 12, 512)]
    [InlineData(16, 20, 496)]
    [InlineData(16, 512, 16)]
    public void AnFfnKeepsAMultipleOfTheLanesItsEngineRunsOn(int multiple, int dead, int kept)
    {
        // 3071 of 3072 neurons once cut a 16-lane FPGA engine to one lane: widths stay multiples of the lanes.
        var before = TinyGraph(edit: (name, w, s) =>
        {
            if (name == "encoder.layer.1.output.dense.weight") ZeroColumns(w, s[0], s[1], 0, dead);
        });
        var (after, _) = Run(before, new ShrinkStructure(multiple));
        Assert.Equal([kept, 128], Dims(after, "encoder.layer.1.intermediate.dense.weight"));
        AssertSameOutputs(before, after);
    }
}
