// The build task of TorchSharpNative.targets, compiled there by RoslynCodeTaskFactory against .NET Standard 2.0 (hence
// no records, spans or ranges, and one file: an inline task has one source) and into the tests, which check the ELF
// rewrite on the real library.
#nullable enable
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.Build.Framework;

namespace SparseBert.Build;

/// <summary>
/// Writes <see cref="PatchedFile"/>, a copy of TorchSharp's libLibTorchSharp.so that needs GLIBCXX_3.4.30 where the
/// original needs GLIBCXX_3.4.32, and sets <see cref="UsePatched"/>, when the libstdc++ this machine loads does not
/// define GLIBCXX_3.4.32 (GCC 12's, Debian 12's, stops at 3.4.30). The library declares that version for one symbol,
/// _ZSt21ios_base_library_initv, which GCC 13's &lt;iostream&gt; names without using (no relocation refers to it);
/// ElfVersionNeeds.Rename checks exactly that before it rewrites. The copy is rewritten only when its bytes change,
/// so incremental builds copy nothing.
/// </summary>
public sealed class PatchLibTorchSharpGlibcxx : Microsoft.Build.Utilities.Task
{
    public const string Needed = "GLIBCXX_3.4.32", Replacement = "GLIBCXX_3.4.30", Library = "libstdc++.so.6";

    [Required] public string SourceFile { get; set; } = "";
    [Required] public string PatchedFile { get; set; } = "";

    /// <summary>The libstdc++ to judge by; by default the one this build process has loaded (see <see cref="LoadedLibStdCxx"/>).</summary>
    public string LibStdCxx { get; set; } = "";

    [Output] public bool UsePatched { get; set; }

    public override bool Execute()
    {
        var libstdcxx = LibStdCxx.Length > 0 ? LibStdCxx : LoadedLibStdCxx();
        if (libstdcxx is null)
        {
            Log.LogWarning($"found no {Library} loaded in this process; {SourceFile} is used as shipped");
            return true;
        }
        try
        {
            var defined = ElfVersionNeeds.Definitions(File.ReadAllBytes(libstdcxx));
            if (defined.Contains(Needed))
            {
                Log.LogMessage(MessageImportance.Low, $"{libstdcxx} defines {Needed}; {SourceFile} is used as shipped");
                return true;
            }
            if (!defined.Contains(Replacement))
                Log.LogWarning($"{libstdcxx} defines neither {Needed} nor {Replacement}; TorchSharp's native library needs GCC 12's libstdc++ or newer and will not load");

            var image = File.ReadAllBytes(SourceFile);
            if (!ElfVersionNeeds.Rename(image, Library, Needed, Replacement))
            {
                Log.LogMessage(MessageImportance.Low, $"{SourceFile} does not need {Needed}; used as shipped");
                return true;
            }
            WriteIfChanged(PatchedFile, image);
            UsePatched = true;
            Log.LogMessage(MessageImportance.Normal, $"{libstdcxx} stops before {Needed}: {PatchedFile} is {SourceFile} needing {Replacement} instead");
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            Log.LogWarning($"{SourceFile} is used as shipped, since its version need could not be rewritten safely: {e.Message}");
        }
        return !Log.HasLoggedErrors;
    }

    /// <summary>
    /// Every dotnet process on Linux has libstdc++ loaded (the host is C++), and the dynamic loader gives a library
    /// that needs it the copy already loaded; so the copy mapped into this build process is the one the tests and
    /// apps built here will use, found by the loader's own search (LD_LIBRARY_PATH, ld.so.cache, default paths).
    /// </summary>
    public static string? LoadedLibStdCxx()
    {
        const string maps = "/proc/self/maps";
        if (!File.Exists(maps)) return null;
        return File.ReadLines(maps)
            .Select(line => line.IndexOf('/') is var slash and >= 0 ? line.Substring(slash) : "")
            .FirstOrDefault(path => Path.GetFileName(path).StartsWith(Library, StringComparison.Ordinal) && File.Exists(path));
    }

    static void WriteIfChanged(string path, byte[] bytes)
    {
        if (File.Exists(path) && File.ReadAllBytes(path).SequenceEqual(bytes)) return;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temporary = path + ".tmp";
        File.WriteAllBytes(temporary, bytes);
        if (File.Exists(path)) File.Delete(path);
        File.Move(temporary, path);
    }
}

/// <summary>
/// Renames one symbol-version requirement of an ELF64 little-endian shared library in place: the Vernaux entry of
/// .gnu.version_r that needs version <c>from</c> of <c>library</c> is made to need <c>to</c> (same length, so its
/// .dynstr bytes are rewritten where they are) and its vna_hash is set to the SysV ELF hash of the new name.
/// It refuses (InvalidDataException) unless the rename is safe and is what the loader will read:
///   1. the section headers agree with the dynamic segment (DT_VERNEED, DT_VERNEEDNUM, DT_STRTAB, DT_VERSYM) and
///      each section's file offset is where its PT_LOAD segment maps its address;
///   2. the entry's stored hash is the hash of <c>from</c> (the structure was read as the linker wrote it);
///   3. no other .dynstr reference (symbol, file or version name, DT_NEEDED/SONAME/RPATH/RUNPATH) points into the
///      rewritten bytes, and the name does not start inside another string;
///   4. no relocation refers to a symbol bound to that version, so no symbol is ever looked up under the new name.
/// A library that needs no <c>from</c> is left alone, so the rewrite is idempotent.
/// </summary>
public static class ElfVersionNeeds
{
    const uint ShtStrtab = 3, ShtRela = 4, ShtDynamic = 6, ShtRel = 9, ShtDynsym = 11;
    const uint ShtGnuVerdef = 0x6ffffffd, ShtGnuVerneed = 0x6ffffffe, ShtGnuVersym = 0x6fffffff;
    const ulong DtNeeded = 1, DtStrtab = 5, DtSoname = 14, DtRpath = 15, DtRunpath = 29;
    const ulong DtVersym = 0x6ffffff0, DtVerneed = 0x6ffffffe, DtVerneedNum = 0x6fffffff;

    /// <summary>Returns true when the entry was rewritten, false when the image needs no <paramref name="from"/> of that library.</summary>
    public static bool Rename(byte[] image, string library, string from, string to)
    {
        if (from.Length != to.Length) throw new ArgumentException($"'{from}' and '{to}' differ in length");
        var elf = new ElfImage(image);
        var verneed = elf.Single(ShtGnuVerneed, ".gnu.version_r");
        var strtab = elf.LinkedStrtab(verneed);
        var needs = ReadNeeds(elf, verneed, strtab);
        var matches = needs.Where(n => n.File == library && n.Version == from).ToList();
        if (matches.Count == 0) return false;
        if (matches.Count > 1) throw Refuse($"{library} is needed at {from} {matches.Count} times");
        var need = matches[0];

        CheckDynamicSegment(elf, verneed, strtab);
        if (need.Hash != ElfHash(from))
            throw Refuse($"the Vernaux entry for {from} stores hash 0x{need.Hash:x8}, not 0x{ElfHash(from):x8}");
        CheckNameIsUnshared(elf, strtab, need, needs, from.Length);
        CheckNoRelocationUses(elf, need, from);

        var name = Encoding.ASCII.GetBytes(to);
        Array.Copy(name, 0, image, strtab.Offset + need.NameOffset, name.Length);
        ElfImage.WriteU32(image, need.EntryOffset, ElfHash(to));
        return true;
    }

    /// <summary>The versions a library needs, in file order: the file, the version name, its stored hash and its index in .gnu.version.</summary>
    public static IReadOnlyList<(string File, string Version, uint Hash, ushort Index)> Needs(byte[] image)
    {
        var elf = new ElfImage(image);
        var verneed = elf.Single(ShtGnuVerneed, ".gnu.version_r");
        return ReadNeeds(elf, verneed, elf.LinkedStrtab(verneed)).Select(n => (n.File, n.Version, n.Hash, n.Index)).ToList();
    }

    /// <summary>The version names a library defines (.gnu.version_d), e.g. GLIBCXX_3.4.30 for GCC 12's libstdc++.</summary>
    public static IReadOnlyList<string> Definitions(byte[] image)
    {
        var elf = new ElfImage(image);
        var verdef = elf.Sections.Where(s => s.Type == ShtGnuVerdef).ToList();
        if (verdef.Count != 1) throw Refuse($"expected one .gnu.version_d section, found {verdef.Count}");
        return ReadDefinitionNames(elf, verdef[0], elf.LinkedStrtab(verdef[0])).Select(d => d.Name).ToList();
    }

    /// <summary>The System V ABI's ELF hash, which vna_hash and vd_hash hold.</summary>
    public static uint ElfHash(string name)
    {
        uint h = 0;
        foreach (char c in name)
        {
            h = (h << 4) + c;
            uint g = h & 0xf0000000;
            if (g != 0) h ^= g >> 24;
            h &= ~g;
        }
        return h;
    }

    sealed class Need(string file, uint fileOffset, string version, uint hash, ushort index, uint nameOffset, long entryOffset)
    {
        public string File { get; } = file;
        public uint FileOffset { get; } = fileOffset;
        public string Version { get; } = version;
        public uint Hash { get; } = hash;
        public ushort Index { get; } = index;
        public uint NameOffset { get; } = nameOffset;
        public long EntryOffset { get; } = entryOffset;
    }

    /// <summary>Walks the Verneed list (vn_version 1, vn_cnt, vn_file, vn_aux, vn_next) and each one's Vernaux list.</summary>
    static List<Need> ReadNeeds(ElfImage elf, ElfSection verneed, ElfSection strtab)
    {
        var needs = new List<Need>();
        long at = verneed.Offset, end = verneed.Offset + verneed.Size;
        for (uint i = 0; i < verneed.Info; i++)
        {
            if (at < verneed.Offset || at + 16 > end) throw Refuse($"Verneed entry {i} lies outside .gnu.version_r");
            if (elf.U16(at) != 1) throw Refuse($"Verneed entry {i} has version {elf.U16(at)}, not 1");
            uint fileName = elf.U32(at + 4);
            string file = elf.CString(strtab, fileName);
            long aux = at + elf.U32(at + 8);
            for (int j = 0; j < elf.U16(at + 2); j++)
            {
                if (aux < verneed.Offset || aux + 16 > end) throw Refuse($"a Vernaux entry of {file} lies outside .gnu.version_r");
                uint name = elf.U32(aux + 8);
                needs.Add(new Need(file, fileName, elf.CString(strtab, name), elf.U32(aux), elf.U16(aux + 6), name, aux));
                aux += elf.U32(aux + 12);
            }
            uint next = elf.U32(at + 12);
            if (next == 0 && i + 1 < verneed.Info) throw Refuse($"the Verneed list ends after {i + 1} of {verneed.Info} entries");
            at += next;
        }
        return needs;
    }

    /// <summary>Walks the Verdef list (vd_version 1, vd_cnt, vd_aux, vd_next) and every Verdaux name.</summary>
    static List<(string Name, uint Offset)> ReadDefinitionNames(ElfImage elf, ElfSection verdef, ElfSection strtab)
    {
        var names = new List<(string, uint)>();
        long at = verdef.Offset, end = verdef.Offset + verdef.Size;
        for (uint i = 0; i < verdef.Info; i++)
        {
            if (at < verdef.Offset || at + 20 > end) throw Refuse($"Verdef entry {i} lies outside .gnu.version_d");
            if (elf.U16(at) != 1) throw Refuse($"Verdef entry {i} has version {elf.U16(at)}, not 1");
            long aux = at + elf.U32(at + 12);
            for (int j = 0; j < elf.U16(at + 6); j++)
            {
                if (aux < verdef.Offset || aux + 8 > end) throw Refuse($"a Verdaux entry of Verdef {i} lies outside .gnu.version_d");
                uint name = elf.U32(aux);
                names.Add((elf.CString(strtab, name), name));
                aux += elf.U32(aux + 4);
            }
            at += elf.U32(at + 16);
        }
        return names;
    }

    /// <summary>Rule 1: the loader finds version needs and strings through the dynamic segment, not the section headers.</summary>
    static void CheckDynamicSegment(ElfImage elf, ElfSection verneed, ElfSection strtab)
    {
        var versym = elf.Single(ShtGnuVersym, ".gnu.version");
        var dynamic = DynamicEntries(elf);
        void Expect(ulong tag, string tagName, ulong value, string what)
        {
            var found = dynamic.Where(d => d.Tag == tag).Select(d => d.Value).ToList();
            if (found.Count != 1 || found[0] != value)
                throw Refuse($"{tagName} in .dynamic is {(found.Count == 1 ? "0x" + found[0].ToString("x") : found.Count + " entries")}, but {what} is 0x{value:x}");
        }
        Expect(DtVerneed, "DT_VERNEED", verneed.Address, ".gnu.version_r's address");
        Expect(DtVerneedNum, "DT_VERNEEDNUM", verneed.Info, ".gnu.version_r's entry count");
        Expect(DtStrtab, "DT_STRTAB", strtab.Address, $"{strtab.Name}'s address");
        Expect(DtVersym, "DT_VERSYM", versym.Address, ".gnu.version's address");
        foreach (var section in new[] { verneed, strtab, versym })
            if (elf.FileOffsetOf(section.Address) != section.Offset)
                throw Refuse($"{section.Name} is at file offset 0x{section.Offset:x}, but its PT_LOAD segment maps its address elsewhere");
    }

    /// <summary>Rule 3: rewriting the bytes of the name must change no other string.</summary>
    static void CheckNameIsUnshared(ElfImage elf, ElfSection strtab, Need need, List<Need> needs, int length)
    {
        if (need.NameOffset == 0 || elf.U8(strtab.Offset + need.NameOffset - 1) != 0)
            throw Refuse($"'{need.Version}' starts inside another string of {strtab.Name}");
        var references = new List<(uint Offset, string User)>();
        foreach (var other in needs)
        {
            references.Add((other.FileOffset, $"the needed file {other.File}"));
            if (other != need) references.Add((other.NameOffset, $"the version need {other.Version}"));
        }
        foreach (var symbol in elf.Sections.Where(s => s.Type == ShtDynsym && s.Link == strtab.Index))
            for (long at = symbol.Offset; at + 24 <= symbol.Offset + symbol.Size; at += 24)
                references.Add((elf.U32(at), "a symbol name"));
        foreach (var entry in DynamicEntries(elf).Where(d => d.Tag is DtNeeded or DtSoname or DtRpath or DtRunpath))
            references.Add(((uint)entry.Value, $"dynamic entry {entry.Tag}"));
        foreach (var verdef in elf.Sections.Where(s => s.Type == ShtGnuVerdef && s.Link == strtab.Index))
            references.AddRange(ReadDefinitionNames(elf, verdef, strtab).Select(d => (d.Offset, $"the version definition {d.Name}")));

        var clash = references.FirstOrDefault(r => r.Offset >= need.NameOffset && r.Offset < need.NameOffset + length);
        if (clash.User is not null)
            throw Refuse($"{clash.User} shares the bytes of '{need.Version}' in {strtab.Name}");
    }

    /// <summary>Rule 4: symbols bound to the renamed version must only be declared, never relocated against.</summary>
    static void CheckNoRelocationUses(ElfImage elf, Need need, string from)
    {
        var versym = elf.Single(ShtGnuVersym, ".gnu.version");
        var dynsym = elf.Sections[(int)versym.Link];
        if (dynsym.Type != ShtDynsym || versym.Size / 2 != dynsym.Size / 24)
            throw Refuse(".gnu.version does not have one entry per .dynsym symbol");
        var bound = new HashSet<ulong>();
        for (long i = 0; i < versym.Size / 2; i++)
            if ((elf.U16(versym.Offset + 2 * i) & 0x7fff) == need.Index) bound.Add((ulong)i);

        foreach (var section in elf.Sections.Where(s => (s.Type == ShtRela || s.Type == ShtRel) && s.Link == dynsym.Index))
        {
            long size = section.Type == ShtRela ? 24 : 16;
            for (long at = section.Offset; at + size <= section.Offset + section.Size; at += size)
            {
                ulong symbol = elf.U64(at + 8) >> 32;
                if (bound.Contains(symbol))
                    throw Refuse($"{section.Name} relocates against symbol {symbol}, which is bound to {from}; renaming the version would look it up under another");
            }
        }
    }

    static List<(ulong Tag, ulong Value)> DynamicEntries(ElfImage elf)
    {
        var dynamic = elf.Single(ShtDynamic, ".dynamic");
        var entries = new List<(ulong, ulong)>();
        for (long at = dynamic.Offset; at + 16 <= dynamic.Offset + dynamic.Size; at += 16)
        {
            ulong tag = elf.U64(at);
            if (tag == 0) break;
            entries.Add((tag, elf.U64(at + 8)));
        }
        return entries;
    }

    static InvalidDataException Refuse(string reason) => new(reason);
}

/// <summary>One section header of an ELF64 file.</summary>
public sealed class ElfSection(int index, string name, uint type, ulong address, long offset, long size, uint link, uint info)
{
    public int Index { get; } = index;
    public string Name { get; } = name;
    public uint Type { get; } = type;
    public ulong Address { get; } = address;
    public long Offset { get; } = offset;
    public long Size { get; } = size;
    public uint Link { get; } = link;
    public uint Info { get; } = info;
}

/// <summary>
/// The section and program headers of an ELF64 little-endian file held in memory, with bounds-checked reads: every
/// offset outside the file, and every header that does not fit in it, is an InvalidDataException naming what was read.
/// </summary>
public sealed class ElfImage
{
    const uint PtLoad = 1;

    readonly byte[] _bytes;
    readonly List<(ulong VirtualAddress, long Offset, long FileSize)> _loads = new();

    public IReadOnlyList<ElfSection> Sections { get; }

    public ElfImage(byte[] bytes)
    {
        _bytes = bytes;
        if (bytes.Length < 64 || bytes[0] != 0x7f || bytes[1] != 'E' || bytes[2] != 'L' || bytes[3] != 'F')
            throw new InvalidDataException("not an ELF file");
        if (bytes[4] != 2 || bytes[5] != 1) throw new InvalidDataException("not a 64-bit little-endian ELF file");

        long programHeaders = Offset(U64(0x20), "e_phoff");
        for (int i = 0; i < U16(0x38); i++)
        {
            long at = programHeaders + (long)i * U16(0x36);
            if (U32(at) == PtLoad) _loads.Add((U64(at + 16), Offset(U64(at + 8), "p_offset"), Offset(U64(at + 32), "p_filesz")));
        }

        long sectionHeaders = Offset(U64(0x28), "e_shoff");
        int entrySize = U16(0x3a), count = U16(0x3c), namesIndex = U16(0x3e);
        if (entrySize != 64) throw new InvalidDataException($"section header entries are {entrySize} bytes, not 64");
        if (namesIndex >= count) throw new InvalidDataException($"e_shstrndx {namesIndex} is not one of the {count} sections");
        var raw = Enumerable.Range(0, count).Select(i => sectionHeaders + 64L * i).ToList();
        long namesOffset = Offset(U64(raw[namesIndex] + 24), "the section-name table's offset");
        Sections = raw.Select((at, i) =>
        {
            long offset = Offset(U64(at + 24), "sh_offset"), size = Offset(U64(at + 32), "sh_size");
            uint type = U32(at + 4);
            if (type != 8 && offset + size > bytes.Length) // 8 = SHT_NOBITS, which occupies no file bytes
                throw new InvalidDataException($"section {i} (offset 0x{offset:x}, size 0x{size:x}) goes beyond the end of the file");
            return new ElfSection(i, CStringAt(namesOffset + U32(at)), type, U64(at + 16), offset, size, U32(at + 40), U32(at + 44));
        }).ToList();
    }

    /// <summary>The one section of a type; the name is for the message when there is not exactly one.</summary>
    public ElfSection Single(uint type, string name)
    {
        var found = Sections.Where(s => s.Type == type).ToList();
        if (found.Count != 1) throw new InvalidDataException($"expected one {name} section, found {found.Count}");
        return found[0];
    }

    /// <summary>The string table a section's sh_link names.</summary>
    public ElfSection LinkedStrtab(ElfSection section)
    {
        if (section.Link >= Sections.Count || Sections[(int)section.Link].Type != 3)
            throw new InvalidDataException($"{section.Name}'s sh_link {section.Link} is not a string table");
        return Sections[(int)section.Link];
    }

    /// <summary>The file offset the PT_LOAD segments map an address from, or −1 when none maps it.</summary>
    public long FileOffsetOf(ulong address)
    {
        foreach (var (virtualAddress, offset, fileSize) in _loads)
            if (address >= virtualAddress && address - virtualAddress < (ulong)fileSize)
                return offset + (long)(address - virtualAddress);
        return -1;
    }

    public string CString(ElfSection strtab, uint offset)
    {
        if (offset >= strtab.Size) throw new InvalidDataException($"string offset {offset} is outside {strtab.Name} ({strtab.Size} bytes)");
        return CStringAt(strtab.Offset + offset, strtab.Offset + strtab.Size);
    }

    string CStringAt(long at, long end = -1)
    {
        if (end < 0) end = _bytes.Length;
        long stop = at;
        while (stop < end && Byte(stop) != 0) stop++;
        if (stop == end) throw new InvalidDataException($"the string at file offset 0x{at:x} has no terminating NUL");
        return Encoding.ASCII.GetString(_bytes, (int)at, (int)(stop - at));
    }

    public byte U8(long at) => Byte(at);
    public ushort U16(long at) => (ushort)(Byte(at) | Byte(at + 1) << 8);
    public uint U32(long at) => U16(at) | (uint)U16(at + 2) << 16;
    public ulong U64(long at) => U32(at) | (ulong)U32(at + 4) << 32;

    public static void WriteU32(byte[] bytes, long at, uint value)
    {
        for (int i = 0; i < 4; i++) bytes[at + i] = (byte)(value >> (8 * i));
    }

    byte Byte(long at) =>
        at >= 0 && at < _bytes.Length ? _bytes[at] : throw new InvalidDataException($"read at file offset 0x{at:x} is outside the file ({_bytes.Length} bytes)");

    long Offset(ulong value, string what) =>
        value <= (ulong)_bytes.Length ? (long)value : throw new InvalidDataException($"{what} 0x{value:x} is beyond the end of the file ({_bytes.Length} bytes)");
}
