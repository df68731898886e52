using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using SparseBert.Frontend;
using SparseBert.Frontend.Formats;
using SparseBert.Tests.Cli;
using static SparseBert.Tests.Frontend.TorchSaveWriter;

namespace SparseBert.Tests.Frontend;

/// <summary>Files no torch.save writes: code in the pickle, lying zips and impossible tensors. Each is bad input naming the problem, and nothing runs.</summary>
public sealed class PyTorchHostileTests : IDisposable
{
    readonly TestFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    static readonly Storage Four = new("0", "FloatStorage", 4, Encode([1, 2, 3, 4], SparseBert.IR.DType.F32));

    /// <summary>An archive around a hand-made pickle, with the one float storage <see cref="Four"/>.</summary>
    string WritePickle(string name, byte[] pickle) => _dir.Write(name, Archive(pickle, [Four]));

    string WriteState(string name, params View[] views) => WritePickle(name, StateDict(views, [Four]));

    void Refused(string path, string? tensor, string fragment) => BadInput.Expect(() => PyTorchFile.Open(path).Dispose(), path, tensor, fragment);

    /// <summary>The classic payload: os.system("...") called by REDUCE while unpickling.</summary>
    static byte[] Calls(string module, string function, bool stackGlobal = false)
    {
        var p = new TestPickleWriter().Proto(stackGlobal ? (byte)4 : (byte)2);
        if (stackGlobal)
        {
            foreach (var part in new[] { module, function }) p.Raw(0x8C, (byte)part.Length).Raw(Encoding.ASCII.GetBytes(part));
            p.Raw(0x93);
        }
        else p.Global(module, function);
        return p.Str("touch /tmp/sparsebert-pwned").Raw(0x85).Op('R').Op('.').ToArray();
    }

    [Theory]
    [InlineData("os", "system", false)]
    [InlineData("posix", "system", false)]
    [InlineData("builtins", "eval", false)]
    [InlineData("builtins", "eval", true)]
    [InlineData("subprocess", "Popen", true)]
    [InlineData("torch", "load", false)]
    public void GlobalsOutsideTheStateDictAreRefusedWhereTheyAppear(string module, string function, bool stackGlobal)
    {
        var path = WritePickle("evil.pt", Calls(module, function, stackGlobal));
        var opcode = stackGlobal ? "opcode 0x93 (STACK_GLOBAL)" : "opcode 0x63 (GLOBAL)";
        int offset = stackGlobal ? 2 + 2 + module.Length + 2 + function.Length : 2;
        Refused(path, null, $"archive/data.pkl at offset {offset}: {opcode}: global {module}.{function} is not allowed");
    }

    [Fact]
    public void CommandLineRefusesItWithExitCode2()
    {
        var path = WritePickle("evil.bin", Calls("os", "system"));
        var config = _dir["config.json"];
        HfConfigFile.Write(config, TestModels.Tiny);
        CliHarness.AssertBadInput(["inspect", path, "--config", config], "evil.bin", "global os.system is not allowed", "never runs code");
    }

    [Theory]
    [InlineData(new byte[] { 0x80, 0x02, (byte)'i', (byte)'o', (byte)'s', 10, (byte)'s', (byte)'y', (byte)'s', 10, (byte)'.' }, "offset 2: opcode 0x69 (INST): not an opcode a state dict needs")]
    [InlineData(new byte[] { 0x80, 0x02, (byte)'N', (byte)'0', (byte)'.' }, "offset 3: opcode 0x30 (POP)")]
    [InlineData(new byte[] { 0x80, 0x02, 0x81 }, "offset 2: opcode 0x81 (NEWOBJ)")]
    [InlineData(new byte[] { 0x80, 0x02, 0xFF }, "offset 2: byte 0xFF (no pickle opcode)")]
    [InlineData(new byte[] { 0x80, 0x06, (byte)'.' }, "protocol 6 is newer than 5")]
    [InlineData(new byte[] { 0x80, 0x02, (byte)'}' }, "offset 3: the pickle ends without STOP")]
    [InlineData(new byte[] { 0x80, 0x02, (byte)'}', (byte)'}', (byte)'.' }, "the stack holds 2 objects, expected 1")]
    [InlineData(new byte[] { 0x80, 0x02, (byte)'}', (byte)'.', 0 }, "1 bytes follow it")]
    [InlineData(new byte[] { 0x80, 0x02, (byte)'h', 7 }, "opcode 0x68 (BINGET): memo 7 was never stored")]
    [InlineData(new byte[] { 0x80, 0x02, (byte)'X', 0xF0, 0xFF, 0xFF, 0xFF }, "a string of 4294967280 bytes runs past the end of the pickle")]
    [InlineData(new byte[] { 0x80, 0x02, 0x8A, 9, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, "an integer of 9 bytes does not fit 64 bits")]
    [InlineData(new byte[] { 0x80, 0x02, (byte)'t' }, "opcode 0x74 (TUPLE): there is no MARK")]
    [InlineData(new byte[] { 0x80, 0x02, (byte)'(', (byte)'R' }, "opcode 0x52 (REDUCE): needs 2 objects on the stack, there are 0")]
    [InlineData(new byte[] { 0x80, 0x02, (byte)']', (byte)']', (byte)'K', 1, (byte)'s' }, "sets items of a list, not a dict")]
    [InlineData(new byte[] { 0x80, 0x02, (byte)'N', (byte)')', (byte)'R' }, "calls None, which is not callable here")]
    [InlineData(new byte[] { 0x80, 0x02, (byte)']', (byte)'}', (byte)'b' }, "sets the state of a list; only an OrderedDict's may be set")]
    [InlineData(new byte[] { 0x80, 0x02, (byte)']', (byte)'.' }, "holds a list, expected a state dict")]
    [InlineData(new byte[] { 0x80, 0x02, (byte)'c', (byte)'o', (byte)'s' }, "the pickle ends inside its name")]
    public void MalformedPicklesAreRefusedWithTheirOffset(byte[] pickle, string fragment) =>
        Refused(WritePickle("bad.pt", pickle), null, fragment);

    [Fact]
    public void DeepNestingNeitherRecursesNorOverflows()
    {
        const int depth = 200_000;
        var marks = new TestPickleWriter().Proto();
        for (int i = 0; i < depth; i++) marks.Op('(');
        Refused(WritePickle("marks.pt", marks.Op('.').ToArray()), null, $"{depth} MARKs are still open");

        var tuples = new TestPickleWriter().Proto().Op(')');
        for (int i = 0; i < depth; i++) tuples.Raw(0x85);
        Refused(WritePickle("tuples.pt", tuples.Op('.').ToArray()), null, "holds a tuple, expected a state dict");

        var lists = new TestPickleWriter().Proto().Op(']').Put();
        for (int i = 0; i < depth; i++) lists.Raw((byte)'h', 0).Op('a');
        Refused(WritePickle("cycle.pt", lists.Op('.').ToArray()), null, "holds a list, expected a state dict");
    }

    [Fact]
    public void StorageAndViewDisagreements()
    {
        Refused(WriteState("long.pt", new View("w", "0", 0, [5])), "w", "elements [0, +5) lie outside storage '0' of 4 elements");
        Refused(WriteState("offset.pt", new View("w", "0", 3, [2])), "w", "elements [3, +2) lie outside storage '0' of 4 elements");
        Refused(WriteState("negative.pt", new View("w", "0", -1, [1])), "w", "elements [-1, +1) lie outside");
        Refused(WriteState("dim.pt", new View("w", "0", 0, [-2, -2])), "w", "shape [-2, -2] has a negative dimension");
        Refused(WriteState("huge.pt", new View("w", "0", 0, [1L << 40, 1L << 40])), "w", "shape [1099511627776, 1099511627776] has more elements than fit in 64 bits");
        Refused(WriteState("big.pt", new View("w", "0", 0, [1L << 40])), "w", "lie outside storage '0' of 4 elements");
        Refused(WriteState("strided.pt", new View("w", "0", 0, [2, 2], [1, 2])), "w", "not a contiguous row-major view");
        Refused(WriteState("rank.pt", new View("w", "0", 0, [2, 2], [2])), "w", "has 2 dimensions but 1 strides");
        Refused(WriteState("twice.pt", new View("w", "0", 0, [2]), new View("w", "0", 2, [2])), "w", "appears twice in the state dict");

        var lying = new Storage("0", "FloatStorage", 1L << 40, Four.Bytes);
        Refused(_dir.Write("numel.pt", Archive(StateDict([new View("w", "0", 0, [4])], [lying]), [Four])), "w", "storage '0' claims 1099511627776 x 4 bytes but archive/data/0 holds 16");
        Refused(_dir.Write("missing.pt", Archive(StateDict([new View("w", "0", 0, [4])], [Four]), [])), "w", "storage '0' has no entry archive/data/0");

        var pickle = new TestPickleWriter().Proto().Op('}').Op('(');
        Tensor(pickle.Str("a"), new View("a", "0", 0, [4]), Four);
        Tensor(pickle.Str("b"), new View("b", "0", 0, [2]), Four with { Numel = 2 });
        Refused(WritePickle("redeclared.pt", pickle.Op('u').Op('.').ToArray()), null, "storage '0' is 2 x torch.FloatStorage here but 4 x torch.FloatStorage before");
    }

    [Theory]
    [InlineData("DoubleStorage", "has float64 elements (torch.DoubleStorage)")]
    [InlineData("QInt8Storage", "has unrecognised elements (torch.QInt8Storage)")]
    [InlineData("ComplexFloatStorage", "has complex64 elements")]
    public void UnreadableElementTypesNameTheTensor(string storageClass, string fragment) =>
        Refused(_dir.Write("type.pt", Archive(StateDict([new View("w", "0", 0, [2])], [Four with { Class = storageClass }]), [Four])), "w", fragment);

    [Fact]
    public void StateDictShapesTorchNeverWrites()
    {
        var p = new TestPickleWriter().Proto().Op('}').Str("epoch").Int(3).Op('s').Op('.');
        Refused(WritePickle("epoch.pt", p.ToArray()), "epoch", "is an int, not a tensor; SparseBert reads a plain state dict");
        p = new TestPickleWriter().Proto().Op('}').Int(1).Op('}').Op('s').Op('.');
        Refused(WritePickle("key.pt", p.ToArray()), null, "the state dict has a key that is an int, expected a str");
        p = new TestPickleWriter().Proto().Global("collections", "OrderedDict").Op(']').Raw(0x85).Op('R').Op('.');
        Refused(WritePickle("args.pt", p.ToArray()), null, "collections.OrderedDict is called with 1 arguments, expected none");
        p = new TestPickleWriter().Proto().Global("torch", "FloatStorage").Op(')').Op('R').Op('.');
        Refused(WritePickle("storage.pt", p.ToArray()), null, "calls a torch.FloatStorage, which is not callable here");
        p = new TestPickleWriter().Proto().Str("storage").Raw(0x85).Op('Q').Op('.');
        Refused(WritePickle("persid.pt", p.ToArray()), null, "persistent id is a tuple, expected ('storage', class, key, location, size)");
        p = new TestPickleWriter().Proto().Global("collections", "OrderedDict").Op(')').Op('R').Op(']').Op('b').Op('.');
        Refused(WritePickle("state.pt", p.ToArray()), null, "sets an OrderedDict's state to a list, expected a dict");
    }

    [Fact]
    public void LyingZipsAreRefused()
    {
        var good = Archive(StateDict([new View("w", "0", 0, [4])], [Four]), [Four]);
        Refused(_dir.Write("half.pt", good[..(good.Length / 2)]), null, "no zip end record: the file is truncated or not a zip archive");
        Refused(_dir.Write("short.pt", good[..^1]), null, "no zip end record");

        var zip = ArchiveWriter(StateDict([new View("w", "0", 0, [4])], [Four]), [Four]);
        zip.Build(out var placed);
        var storage = placed.Single(p => p.Name == "archive/data/0");

        var size = zip.Build();
        foreach (int field in new[] { 20, 24 }) BinaryPrimitives.WriteUInt32LittleEndian(size.AsSpan(storage.CentralHeader + field), 1 << 20);
        Refused(_dir.Write("size.pt", size), null, "zip entry 'archive/data/0': 1048576 bytes at offset");

        var offset = zip.Build();
        BinaryPrimitives.WriteUInt32LittleEndian(offset.AsSpan(storage.CentralHeader + 42), (uint)storage.Data);
        Refused(_dir.Write("offset.pt", offset), null, $"zip entry 'archive/data/0': no local header at offset {storage.Data}");

        var renamed = zip.Build();
        BinaryPrimitives.WriteUInt32LittleEndian(renamed.AsSpan(storage.CentralHeader + 42), 0);
        Refused(_dir.Write("renamed.pt", renamed), null, "zip entry 'archive/data/0': local header at offset 0 names another entry");

        var plain = new TestZipWriter { Zip64End = false }.Add("a/data.pkl", [0x80, 2, (byte)'}', (byte)'.']).Build();
        BinaryPrimitives.WriteUInt16LittleEndian(plain.AsSpan(plain.Length - 22 + 8), 60000);
        BinaryPrimitives.WriteUInt16LittleEndian(plain.AsSpan(plain.Length - 22 + 10), 60000);
        Refused(_dir.Write("count.pt", plain), null, "zip central directory claims 60000 entries");

        var wide = zip.Build();
        BinaryPrimitives.WriteUInt64LittleEndian(wide.AsSpan(wide.Length - 22 - 20 - 56 + 32), 1UL << 40);
        Refused(_dir.Write("zip64-count.pt", wide), null, "zip central directory claims 1099511627776 entries");
    }

    [Fact]
    public void OverlappingEntriesAreRefused()
    {
        // "a/outer"'s data is a complete local header and payload of "a/inner", and inner's central entry points there.
        var inner = new TestZipWriter().Add("a/inner", [1, 2, 3, 4]).Build(out var innerPlaced);
        var outer = inner[..(innerPlaced[0].Data + 4)];
        var zip = new TestZipWriter().Add("a/data.pkl", [0x80, 2, (byte)'}', (byte)'.']).Add("a/outer", outer).Add("a/inner", [1, 2, 3, 4]);
        var bytes = zip.Build(out var placed);
        var at = placed.Single(p => p.Name == "a/outer").Data;
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(placed.Single(p => p.Name == "a/inner").CentralHeader + 42), (uint)at);
        Refused(_dir.Write("overlap.pt", bytes), null, "zip entries 'a/outer' and 'a/inner' overlap");
    }

    [Fact]
    public void DeflatedEntriesAreRefused()
    {
        var path = _dir["deflated.pt"];
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            using (var s = zip.CreateEntry("archive/data.pkl", CompressionLevel.Optimal).Open()) s.Write(StateDict([new View("w", "0", 0, [4])], [Four]));
            using (var s = zip.CreateEntry("archive/data/0", CompressionLevel.Optimal).Open()) s.Write(Four.Bytes);
        }
        Refused(path, null, "zip entry 'archive/data.pkl' is compressed (method 8, deflate)");
    }

    [Fact]
    public void ArchivesTorchNeverWrites()
    {
        var pickle = StateDict([new View("w", "0", 0, [4])], [Four]);
        Refused(_dir.Write("big-endian.pt", new TestZipWriter().Add("a/data.pkl", pickle).Add("a/byteorder", "big"u8.ToArray()).Add("a/data/0", Four.Bytes).Build()),
            null, "a/byteorder is 'big', but SparseBert reads only little-endian storages");
        Refused(_dir.Write("two.pt", new TestZipWriter().Add("a/data.pkl", pickle).Add("b/data.pkl", pickle).Build()), null, "holds 2 torch.save archives");
        Refused(_dir.Write("none.pt", new TestZipWriter().Add("data.pkl", pickle).Build()), null, "without a top-level FOLDER/data.pkl");
        Refused(_dir.Write("dup.pt", new TestZipWriter().Add("a/data.pkl", pickle).Add("a/data.pkl", pickle).Build()), null, "zip entry 'a/data.pkl' appears twice");
        Refused(_dir.Write("text.pt", "PK\u0003\u0004 is all there is"u8.ToArray()), null, "no zip end record");
    }

    [Fact]
    public void RefusalsAllocateLittleMoreThanTheFile()
    {
        var files = new[]
        {
            WritePickle("string.pt", [0x80, 0x02, (byte)'X', 0xF0, 0xFF, 0xFF, 0x7F]),
            WriteState("huge.pt", new View("w", "0", 0, [1L << 31, 1L << 31])),
            _dir.Write("numel.pt", Archive(StateDict([new View("w", "0", 0, [1L << 40])], [Four with { Numel = 1L << 40 }]), [Four])),
            WritePickle("memo.pt", [0x80, 0x02, (byte)'N', (byte)'r', 0xFF, 0xFF, 0xFF, 0xFF, (byte)'j', 0xFE, 0xFF, 0xFF, 0xFF]),
        };
        PyTorchFile.Open(WriteState("warm.pt", new View("w", "0", 0, [4]))).Dispose();
        foreach (var path in files)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            Assert.Throws<SparseBert.IR.BadInputException>(() => PyTorchFile.Open(path).Dispose());
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            // Measured: 7-12 KB (the map, the zip index, the exception); a count trusted from the file would be gigabytes.
            Assert.True(allocated < 64 * 1024 + 16 * new FileInfo(path).Length, $"{Path.GetFileName(path)}: {allocated} bytes allocated for a {new FileInfo(path).Length}-byte file");
        }
    }
}
