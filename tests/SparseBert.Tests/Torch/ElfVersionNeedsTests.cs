using System.Text;
using SparseBert.Build;
using static SparseBert.Tests.Torch.TorchTestSetup;

namespace SparseBert.Tests.Torch;

/// <summary>The version-need rewrite on TorchSharp's libLibTorchSharp.so as NuGet ships it, and on broken copies of it.</summary>
public sealed class ElfVersionNeedsTests
{
    const string Needed = PatchLibTorchSharpGlibcxx.Needed, Replacement = PatchLibTorchSharpGlibcxx.Replacement;

    static readonly byte[] Shipped = File.ReadAllBytes(ShippedLibTorchSharp);

    static byte[] Copy() => (byte[])Shipped.Clone();

    static bool Rename(byte[] image) => ElfVersionNeeds.Rename(image, LibStdCxx, Needed, Replacement);

    [Fact]
    public void TheShippedLibraryNeedsGlibcxx3432ForOneSymbolThatNoRelocationUses()
    {
        var needs = ElfVersionNeeds.Needs(Shipped);
        var need = Assert.Single(needs, n => n.Version == Needed);
        Assert.Equal(LibStdCxx, need.File);
        Assert.Contains(needs, n => n.File == LibStdCxx && n.Version == Replacement);
        Assert.Single(SymbolsBoundTo(Shipped, need.Index));
    }

    [Fact]
    public void ElfHashMatchesEveryHashTheLinkerStored()
    {
        var needs = ElfVersionNeeds.Needs(Shipped);
        Assert.True(needs.Count > 20);
        Assert.All(needs, n => Assert.Equal(n.Hash, ElfVersionNeeds.ElfHash(n.Version)));
    }

    [Fact]
    public void RenameChangesThatOneEntryAndNothingElse()
    {
        var image = Copy();
        Assert.True(Rename(image));

        var expected = ElfVersionNeeds.Needs(Shipped)
            .Select(n => n.Version == Needed ? (n.File, Replacement, ElfVersionNeeds.ElfHash(Replacement), n.Index) : n);
        Assert.Equal(expected, ElfVersionNeeds.Needs(image));
        // One digit of the name and the bytes of its 32-bit hash that differ between the two names.
        int changed = Enumerable.Range(0, image.Length).Count(i => image[i] != Shipped[i]);
        Assert.InRange(changed, 2, 5);
    }

    [Fact]
    public void RenameIsIdempotent()
    {
        var image = Copy();
        Rename(image);
        var once = (byte[])image.Clone();
        Assert.False(Rename(image));
        Assert.Equal(once, image);
    }

    [Fact]
    public void ALibraryThatDoesNotNeedTheVersionIsLeftAlone()
    {
        var image = Copy();
        Assert.False(ElfVersionNeeds.Rename(image, "libfoo.so.1", Needed, Replacement));
        Assert.Equal(Shipped, image);
    }

    [Fact]
    public void RefusesWhenARelocationUsesASymbolOfThatVersion()
    {
        var image = Copy();
        var elf = new ElfImage(image);
        var index = ElfVersionNeeds.Needs(image).Single(n => n.Version == Needed).Index;
        var plt = elf.Sections.Single(s => s.Name == ".rela.plt");
        ulong info = elf.U64(plt.Offset + 8);
        ulong symbol = (ulong)SymbolsBoundTo(image, index).Single();
        WriteU64(image, plt.Offset + 8, symbol << 32 | (info & 0xffffffff));
        Refused(image, "relocates against symbol");
    }

    [Fact]
    public void RefusesWhenTheDynamicSegmentDisagreesWithTheSections()
    {
        var image = Copy();
        long at = DynamicEntry(image, 0x6ffffffe);
        WriteU64(image, at + 8, new ElfImage(image).U64(at + 8) + 16);
        Refused(image, "DT_VERNEED");
    }

    [Fact]
    public void RefusesWhenAnotherStringSharesTheNamesBytes()
    {
        var image = Copy();
        var elf = new ElfImage(image);
        var dynsym = elf.Sections.Single(s => s.Name == ".dynsym");
        ElfImage.WriteU32(image, dynsym.Offset + 24, (uint)(StringOffset(image, ".dynstr", Needed) + 8)); // symbol 1's name: "3.4.32"
        Refused(image, "shares the bytes");
    }

    [Fact]
    public void RefusesWhenTheStoredHashIsNotTheNamesHash()
    {
        var image = Copy();
        var verneed = new ElfImage(image).Sections.Single(s => s.Name == ".gnu.version_r");
        long entry = Enumerable.Range(0, (int)(verneed.Size / 16)).Select(i => verneed.Offset + 16L * i)
            .Single(at => new ElfImage(image).U32(at) == ElfVersionNeeds.ElfHash(Needed));
        ElfImage.WriteU32(image, entry, 12345);
        Refused(image, "stores hash");
    }

    [Theory]
    [InlineData(10)]
    [InlineData(100_000)]
    public void RefusesATruncatedFile(int length)
    {
        var image = Shipped.AsSpan(0, length).ToArray();
        Assert.Throws<InvalidDataException>(() => Rename(image));
    }

    [Fact]
    public void DefinitionsListsTheVersionsOfTheLoadedLibStdCxx()
    {
        var defined = ElfVersionNeeds.Definitions(File.ReadAllBytes(PatchLibTorchSharpGlibcxx.LoadedLibStdCxx()!));
        Assert.Contains("GLIBCXX_3.4", defined);
        Assert.Contains("CXXABI_1.3", defined);
        Assert.Contains(Replacement, defined);
        Assert.DoesNotContain("GLIBCXX_3.4.99", defined);
    }

    static void Refused(byte[] image, string fragment)
    {
        var before = (byte[])image.Clone();
        var e = Assert.Throws<InvalidDataException>(() => Rename(image));
        Assert.Contains(fragment, e.Message);
        Assert.Equal(before, image);
    }

    internal static List<long> SymbolsBoundTo(byte[] image, ushort index)
    {
        var elf = new ElfImage(image);
        var versym = elf.Sections.Single(s => s.Name == ".gnu.version");
        return Enumerable.Range(0, (int)(versym.Size / 2)).Select(i => (long)i)
            .Where(i => (elf.U16(versym.Offset + 2 * i) & 0x7fff) == index).ToList();
    }

    static long DynamicEntry(byte[] image, ulong tag)
    {
        var elf = new ElfImage(image);
        var dynamic = elf.Sections.Single(s => s.Name == ".dynamic");
        return Enumerable.Range(0, (int)(dynamic.Size / 16)).Select(i => dynamic.Offset + 16L * i).First(at => elf.U64(at) == tag);
    }

    /// <summary>Where a NUL-delimited string starts inside a string table, as an offset into the table.</summary>
    internal static long StringOffset(byte[] image, string table, string text)
    {
        var strtab = new ElfImage(image).Sections.Single(s => s.Name == table);
        var needle = Encoding.ASCII.GetBytes("\0" + text + "\0");
        int at = image.AsSpan((int)strtab.Offset, (int)strtab.Size).IndexOf(needle);
        Assert.True(at >= 0, $"'{text}' is not in {table}");
        return at + 1;
    }

    static void WriteU64(byte[] image, long at, ulong value)
    {
        ElfImage.WriteU32(image, at, (uint)value);
        ElfImage.WriteU32(image, at + 4, (uint)(value >> 32));
    }
}
