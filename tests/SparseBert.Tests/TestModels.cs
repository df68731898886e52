using SparseBert.Frontend;

namespace SparseBert.Tests;

/// <summary>Small BERTs for tests: the tiny and mini presets' layers and widths, a 600-word vocabulary and 40 positions, quick to write and run.</summary>
public static class TestModels
{
    public static readonly BertConfig Tiny = SyntheticBert.Presets["tiny"] with { VocabSize = 600, MaxPositionEmbeddings = 40 };
    public static readonly BertConfig Mini = SyntheticBert.Presets["mini"] with { VocabSize = 600, MaxPositionEmbeddings = 40 };
}
