using SparseBert.Evaluation;
using SparseBert.IR;

namespace SparseBert.Tests.Evaluation;

public sealed class WordNetGlossesTests : IDisposable
{
    readonly TestFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    // Lines as WordNet 3.0's data.noun, data.verb and data.adj hold them (pointers shortened).
    const string Congener = "00003993 03 n 01 congener 0 001 @ 00003553 n 0000 | a whole (a thing or person) of the same kind or category as another; \"lard was also used, though its congener, butter, was more frequently employed\"; \"the American shopkeeper differs from his European congener\"  ";
    const string Breathe = "00001740 29 v 04 breathe 0 take_a_breath 0 respire 0 suspire 3 021 * 00005041 v 0000 02 + 08 00 + 02 00 | draw air into, and expel out of, the lungs; \"I can breathe better when the air is clean\"; \"The patient is respiring\"  ";
    const string Able = "00001740 00 a 01 able 0 005 = 05207437 n 0000 ! 00002098 a 0101 | (usually followed by `to') having the necessary means or skill or know-how or authority to do something  ";

    [Fact]
    public void ParsesTheDefinitionAndTheFirstExample()
    {
        var congener = WordNetGlosses.Parse(Congener)!;
        Assert.Equal(new GlossedSynset("00003993", "congener", "a whole (a thing or person) of the same kind or category as another",
            "lard was also used, though its congener, butter, was more frequently employed"), congener);
        var breathe = WordNetGlosses.Parse(Breathe)!;
        Assert.Equal(("breathe", "draw air into, and expel out of, the lungs", "I can breathe better when the air is clean"),
            (breathe.Lemma, breathe.Definition, breathe.Example));
    }

    [Fact]
    public void ASynsetWithoutAnExampleIsNotEligible() => Assert.Null(WordNetGlosses.Parse(Able));

    string Folder(int synsets, string? extra = null)
    {
        var folder = _dir["wordnet"];
        Directory.CreateDirectory(folder);
        var lines = new List<string> { "  1 This software and database is being provided to you, the LICENSEE, by  ", Able };
        for (int i = 0; i < synsets; i++)
            lines.Add($"{i:D8} 03 n 01 word{i} 0 000 | meaning number {i}; \"example number {i}\"  ");
        if (extra is not null) lines.Add(extra);
        File.WriteAllLines(Path.Combine(folder, "data.noun"), lines);
        return folder;
    }

    [Fact]
    public void TakesSynsetsSpreadEvenlyOverTheFile()
    {
        var chosen = WordNetGlosses.Read(Folder(10), "noun", 4);
        Assert.Equal(["word0", "word2", "word5", "word7"], chosen.Select(s => s.Lemma));
        Assert.Equal("example number 5", chosen[2].Example);
    }

    [Fact]
    public void BadInputNamesTheProblem()
    {
        var folder = Folder(3, "garbage without a gloss");
        Assert.Contains("line 6 is not a WordNet synset line", Assert.Throws<BadInputException>(() => WordNetGlosses.Read(folder, "noun", 2)).Message);
        Assert.Contains("has 3 synsets with an example sentence; 5 were asked for", Assert.Throws<BadInputException>(() => WordNetGlosses.Read(Folder(3), "noun", 5)).Message);
        Assert.Contains("'pronoun' is not a WordNet part of speech", Assert.Throws<BadInputException>(() => WordNetGlosses.Read(folder, "pronoun", 1)).Message);
        Assert.Contains("no WordNet here", Assert.Throws<BadInputException>(() => WordNetGlosses.Read(_dir["none"], "noun", 1)).Message);
        Assert.Contains("no such file", Assert.Throws<BadInputException>(() => WordNetGlosses.Read(folder, "verb", 1)).Message);
    }
}
