using SparseBert.Frontend.Text;
using SparseBert.IR;
using static SparseBert.Tests.Frontend.Text.TestVocabulary;

namespace SparseBert.Tests.Frontend.Text;

public sealed class BertTextTokenizerTests : IDisposable
{
    readonly TestFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    BertTextTokenizer Load(bool cased = false, string? tokenizerConfig = null) =>
        BertTextTokenizer.Load(Write(_dir["v"], cased, tokenizerConfig), TestModels.Tiny);

    [Fact]
    public void SingleTextIsClsWordPiecesSep()
    {
        var inputs = Load().Encode(TestModels.Tiny, "Hello, world! Unaffable cat", null, 40, out bool truncated);
        Assert.False(truncated);
        Assert.Equal([Cls, Id("hello"), Id(","), Id("world"), Id("!"), Id("un"), Id("##aff"), Id("##able"), Id("cat"), Sep], inputs.Ids);
        Assert.All(inputs.TokenTypeIds, t => Assert.Equal(0, t));
        Assert.All(inputs.AttentionMask, m => Assert.Equal(1, m));
    }

    [Fact]
    public void PairGetsTokenTypeOneAfterTheFirstSep()
    {
        var inputs = Load().Encode(TestModels.Tiny, "the cat", "sat", 40, out _);
        Assert.Equal([Cls, Id("the"), Id("cat"), Sep, Id("sat"), Sep], inputs.Ids);
        Assert.Equal([0, 0, 0, 0, 1, 1], inputs.TokenTypeIds);
    }

    [Fact]
    public void UnknownWordsBecomeUnk()
    {
        Assert.Equal([Cls, Unk, Id("cat"), Sep], Load().Encode(TestModels.Tiny, "zebra cat", null, 40, out _).Ids);
    }

    [Fact]
    public void TooLongPairIsCutLongestFirst()
    {
        // 5 + 2 word pieces into 8 - 3 = 5: the longer side loses tokens from its end until it is no longer longer.
        var inputs = Load().Encode(TestModels.Tiny, "a b a b a", "cat sat", 8, out bool truncated);
        Assert.True(truncated);
        Assert.Equal([Cls, Id("a"), Id("b"), Id("a"), Sep, Id("cat"), Id("sat"), Sep], inputs.Ids);
        var single = Load().Encode(TestModels.Tiny, "a b a b a", null, 4, out _);
        Assert.Equal([Cls, Id("a"), Id("b"), Sep], single.Ids);
    }

    [Fact]
    public void WhenBothSidesMustShrinkTheOddTokenGoesToTheLongerOneAsHuggingFaceFastDoes()
    {
        // 6 + 5 pieces into 12 - 3 = 9: both over half, so 4 each and the odd one to the longer text (5 + 4).
        var inputs = Load().Encode(TestModels.Tiny, "a b a b a b", "cat sat cat sat cat", 12, out _);
        Assert.Equal([Cls, Id("a"), Id("b"), Id("a"), Id("b"), Id("a"), Sep, Id("cat"), Id("sat"), Id("cat"), Id("sat"), Sep], inputs.Ids);
        // A tie (3 + 3 into 5): the pair keeps the odd token.
        var tie = Load().Encode(TestModels.Tiny, "a b a", "cat sat cat", 8, out _);
        Assert.Equal([Cls, Id("a"), Id("b"), Sep, Id("cat"), Id("sat"), Id("cat"), Sep], tie.Ids);
    }

    [Fact]
    public void CasingFollowsTheVocabularyUnlessTokenizerConfigSays()
    {
        Assert.True(Load().LowerCase);
        Assert.Equal("the vocabulary", Load().CaseSource);
        var cased = Load(cased: true);
        Assert.False(cased.LowerCase);
        Assert.Equal([Cls, Id("Hello"), Id("world"), Sep], cased.Encode(TestModels.Tiny, "Hello world", null, 40, out _).Ids);
        var forced = Load(cased: true, tokenizerConfig: """{"do_lower_case": true}""");
        Assert.True(forced.LowerCase);
        Assert.Equal("tokenizer_config.json", forced.CaseSource);
        Assert.Equal([Cls, Id("hello"), Id("world"), Sep], forced.Encode(TestModels.Tiny, "Hello world", null, 40, out _).Ids);
    }

    [Fact]
    public void UncasedStripsAccentsAsHuggingFaceDoes()
    {
        Assert.Equal([Cls, Id("hello"), Sep], Load().Encode(TestModels.Tiny, "Héllo", null, 40, out _).Ids);
    }

    [Theory]
    [InlineData("not a vocabulary\n", "has no [CLS] token")]
    [InlineData("[PAD]\n[PAD]\n", "token '[PAD]' appears twice")]
    [InlineData("[PAD]\n\n[CLS]\n", "line 2 is empty")]
    public void BadVocabulariesNameTheProblem(string text, string fragment)
    {
        var path = _dir.Write("bad.txt", System.Text.Encoding.UTF8.GetBytes(text));
        var error = Assert.Throws<BadInputException>(() => BertTextTokenizer.Load(path, TestModels.Tiny));
        Assert.Contains(fragment, error.Message);
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void VocabularyLargerThanTheEmbeddingTableIsRefused()
    {
        var path = Write(_dir["v"]);
        var small = TestModels.Tiny with { VocabSize = 50 };
        Assert.Contains("but the model's vocabulary has 50 embeddings", Assert.Throws<BadInputException>(() => BertTextTokenizer.Load(path, small)).Message);
    }

    [Fact]
    public void InvalidUtf8IsRefused()
    {
        var path = _dir.Write("bad.txt", [0x5B, 0x50, 0x41, 0x44, 0x5D, 0x0A, 0xC0, 0xAF]);
        Assert.Contains("not valid UTF-8", Assert.Throws<BadInputException>(() => BertTextTokenizer.Load(path, TestModels.Tiny)).Message);
    }
}
