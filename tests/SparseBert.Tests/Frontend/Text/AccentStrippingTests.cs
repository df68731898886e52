using SparseBert.Frontend.Text;

namespace SparseBert.Tests.Frontend.Text;

/// <summary>Expected values are Python's unicodedata: ''.join(c for c in normalize('NFD', s) if category(c) != 'Mn').</summary>
public sealed class AccentStrippingTests
{
    [Theory]
    [InlineData("naïve café", "naive cafe")]
    [InlineData("Ångström", "Angstrom")]
    [InlineData("e\u0301", "e")]                     // a lone combining mark goes too
    [InlineData("ǖ", "u")]                           // two marks, decomposed recursively
    [InlineData("\uD55C", "\u1112\u1161\u11AB")]     // 한: Hangul by formula, L V T
    [InlineData("\uAC00", "\u1100\u1161")]           // 가: no trailing consonant
    [InlineData("ﬁ ½", "ﬁ ½")]                       // compatibility forms are not canonical: kept
    [InlineData("plain ascii", "plain ascii")]
    public void StripsLikeNfdWithoutMarks(string text, string expected) => Assert.Equal(expected, AccentStripping.Strip(text));
}
