using System.Buffers.Binary;
using System.Text;
using SparseBert.IR;

namespace SparseBert.Frontend.Formats;

/// <summary>A dict or OrderedDict from a pickle, its items in insertion order; keys are not hashed, so any value may be one.</summary>
sealed class PickleDict(bool ordered)
{
    public bool Ordered { get; } = ordered;
    public List<(object? Key, object? Value)> Items { get; } = [];

    public override string ToString() => Ordered ? "OrderedDict" : "dict";
}

/// <summary>What a restricted unpickler may build: which globals exist and what calling them means. Throws <see cref="PickleRefusalException"/> for anything else.</summary>
interface IPickleClasses
{
    object Global(string module, string name);

    object? Call(object? callable, object?[] args);

    object PersistentLoad(object? id);

    void Build(object? target, object? state);
}

/// <summary>A problem found while unpickling; <see cref="PickleReader"/> turns it into bad input naming the offset and opcode.</summary>
sealed class PickleRefusalException(string problem) : Exception(problem);

/// <summary>
/// A pickle read as data: a flat loop over the opcodes a torch.save state dict uses (protocols 2–4), building
/// plain values (None, bool, int, str, tuple as object?[], list, <see cref="PickleDict"/>) and asking
/// <see cref="IPickleClasses"/> for globals, calls and persistent ids. Nothing is imported, called or looked up by
/// name outside that policy. Every opcode consumes at least one byte and pushes at most one object, so the stack
/// and memo never hold more entries than the pickle has bytes; no value is walked recursively, so deep nesting
/// costs nothing.
/// </summary>
sealed class PickleReader
{
    const int HighestProtocol = 5;
    static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    readonly string _path;
    readonly string _entry;
    readonly byte[] _bytes;
    readonly IPickleClasses _classes;
    readonly List<object?> _stack = [];
    readonly List<int> _marks = [];
    readonly Dictionary<uint, object?> _memo = [];
    int _position;

    PickleReader(string path, string entry, byte[] bytes, IPickleClasses classes)
    {
        _path = path;
        _entry = entry;
        _bytes = bytes;
        _classes = classes;
    }

    /// <summary>The object the pickle builds; <paramref name="entry"/> names the pickle inside <paramref name="path"/> in messages.</summary>
    public static object? Read(string path, string entry, byte[] pickle, IPickleClasses classes) =>
        new PickleReader(path, entry, pickle, classes).Run();

    object? Run()
    {
        while (true)
        {
            int at = _position;
            if (at >= _bytes.Length) throw Bad(at, "the pickle ends without STOP");
            var opcode = (PickleOpcode)_bytes[_position++];
            try
            {
                if (opcode == PickleOpcode.STOP) return Stop();
                Step(opcode);
            }
            catch (PickleRefusalException e)
            {
                throw Bad(at, $"{Describe(opcode)}: {e.Message}");
            }
        }
    }

    void Step(PickleOpcode opcode)
    {
        switch (opcode)
        {
            case PickleOpcode.PROTO:
                int protocol = ReadByte();
                if (protocol > HighestProtocol) throw new PickleRefusalException($"protocol {protocol} is newer than {HighestProtocol}");
                break;
            case PickleOpcode.FRAME:
                // Frames only tell a streaming reader how much to buffer; the whole pickle is already in memory.
                ulong frame = BinaryPrimitives.ReadUInt64LittleEndian(Take(8));
                if (frame > (ulong)(_bytes.Length - _position)) throw new PickleRefusalException($"frame of {frame} bytes runs past the end of the pickle");
                break;
            case PickleOpcode.MARK: _marks.Add(_stack.Count); break;
            case PickleOpcode.NONE: Push(null); break;
            case PickleOpcode.NEWTRUE: Push(true); break;
            case PickleOpcode.NEWFALSE: Push(false); break;
            case PickleOpcode.BININT1: Push((long)ReadByte()); break;
            case PickleOpcode.BININT2: Push((long)BinaryPrimitives.ReadUInt16LittleEndian(Take(2))); break;
            case PickleOpcode.BININT: Push((long)BinaryPrimitives.ReadInt32LittleEndian(Take(4))); break;
            case PickleOpcode.LONG1: Push(ReadLong1()); break;
            case PickleOpcode.SHORT_BINUNICODE: Push(ReadString(ReadByte())); break;
            case PickleOpcode.BINUNICODE: Push(ReadString(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)))); break;
            case PickleOpcode.EMPTY_TUPLE: Push(Array.Empty<object?>()); break;
            case PickleOpcode.TUPLE1: Push(PopMany(1)); break;
            case PickleOpcode.TUPLE2: Push(PopMany(2)); break;
            case PickleOpcode.TUPLE3: Push(PopMany(3)); break;
            case PickleOpcode.TUPLE: Push(PopToMark()); break;
            case PickleOpcode.EMPTY_LIST: Push(new List<object?>()); break;
            case PickleOpcode.APPEND: AppendTo(PopMany(1)); break;
            case PickleOpcode.APPENDS: AppendTo(PopToMark()); break;
            case PickleOpcode.EMPTY_DICT: Push(new PickleDict(ordered: false)); break;
            case PickleOpcode.SETITEM: SetItems(PopMany(2)); break;
            case PickleOpcode.SETITEMS: SetItems(PopToMark()); break;
            case PickleOpcode.BINPUT: Memoize(ReadByte()); break;
            case PickleOpcode.LONG_BINPUT: Memoize(BinaryPrimitives.ReadUInt32LittleEndian(Take(4))); break;
            case PickleOpcode.MEMOIZE: Memoize((uint)_memo.Count); break;
            case PickleOpcode.BINGET: Recall(ReadByte()); break;
            case PickleOpcode.LONG_BINGET: Recall(BinaryPrimitives.ReadUInt32LittleEndian(Take(4))); break;
            case PickleOpcode.GLOBAL:
                var module = ReadLine();
                Push(_classes.Global(module, ReadLine()));
                break;
            case PickleOpcode.STACK_GLOBAL:
                var names = PopMany(2);
                if (names[0] is not string moduleName || names[1] is not string qualifiedName)
                    throw new PickleRefusalException($"expects two strings, got {WithArticle(names[0])} and {WithArticle(names[1])}");
                Push(_classes.Global(moduleName, qualifiedName));
                break;
            case PickleOpcode.REDUCE:
                var call = PopMany(2);
                if (call[1] is not object?[] args) throw new PickleRefusalException($"arguments are {WithArticle(call[1])}, expected a tuple");
                Push(_classes.Call(call[0], args));
                break;
            case PickleOpcode.BINPERSID: Push(_classes.PersistentLoad(PopMany(1)[0])); break;
            case PickleOpcode.BUILD:
                var state = PopMany(1)[0];
                _classes.Build(Top(), state);
                break;
            default:
                throw new PickleRefusalException("not an opcode a state dict needs; SparseBert reads a pickle as data and never runs it");
        }
    }

    object? Stop()
    {
        if (_marks.Count > 0) throw new PickleRefusalException($"{_marks.Count} MARKs are still open");
        if (_stack.Count != 1) throw new PickleRefusalException($"the stack holds {_stack.Count} objects, expected 1");
        if (_position != _bytes.Length) throw new PickleRefusalException($"{_bytes.Length - _position} bytes follow it");
        return _stack[0];
    }

    void Push(object? value) => _stack.Add(value);

    /// <summary>The stack above the innermost MARK; a MARK fences what lies below it, as in CPython.</summary>
    int Fence => _marks.Count > 0 ? _marks[^1] : 0;

    object? Top() => _stack.Count > Fence ? _stack[^1] : throw new PickleRefusalException("the stack is empty");

    object?[] PopMany(int count)
    {
        if (_stack.Count - Fence < count) throw new PickleRefusalException($"needs {count} objects on the stack, there are {_stack.Count - Fence}");
        var items = _stack.GetRange(_stack.Count - count, count).ToArray();
        _stack.RemoveRange(_stack.Count - count, count);
        return items;
    }

    object?[] PopToMark()
    {
        if (_marks.Count == 0) throw new PickleRefusalException("there is no MARK");
        int mark = _marks[^1];
        _marks.RemoveAt(_marks.Count - 1);
        var items = _stack.GetRange(mark, _stack.Count - mark).ToArray();
        _stack.RemoveRange(mark, _stack.Count - mark);
        return items;
    }

    void AppendTo(object?[] items)
    {
        if (Top() is not List<object?> list) throw new PickleRefusalException($"appends to {WithArticle(Top())}, not a list");
        list.AddRange(items);
    }

    void SetItems(object?[] items)
    {
        if (Top() is not PickleDict dict) throw new PickleRefusalException($"sets items of {WithArticle(Top())}, not a dict");
        if (items.Length % 2 != 0) throw new PickleRefusalException($"has {items.Length} objects, not key-value pairs");
        for (int i = 0; i < items.Length; i += 2) dict.Items.Add((items[i], items[i + 1]));
    }

    void Memoize(uint index) => _memo[index] = Top();

    void Recall(uint index)
    {
        if (!_memo.TryGetValue(index, out var value)) throw new PickleRefusalException($"memo {index} was never stored");
        Push(value);
    }

    ReadOnlySpan<byte> Take(int count)
    {
        if (_bytes.Length - _position < count) throw new PickleRefusalException("the pickle ends inside its argument");
        var span = _bytes.AsSpan(_position, count);
        _position += count;
        return span;
    }

    byte ReadByte() => Take(1)[0];

    /// <summary>A little-endian two's-complement integer of up to 8 bytes (Python ints beyond 64 bits have no use in a state dict).</summary>
    long ReadLong1()
    {
        int length = ReadByte();
        if (length > 8) throw new PickleRefusalException($"an integer of {length} bytes does not fit 64 bits");
        var bytes = Take(length);
        long value = 0;
        for (int i = length - 1; i >= 0; i--) value = (value << 8) | bytes[i];
        // Sign-extend from the top byte written.
        if (length is > 0 and < 8 && (bytes[length - 1] & 0x80) != 0) value -= 1L << (8 * length);
        return value;
    }

    string ReadString(uint length)
    {
        if (length > (uint)(_bytes.Length - _position)) throw new PickleRefusalException($"a string of {length} bytes runs past the end of the pickle");
        return Decode(Take((int)length));
    }

    /// <summary>GLOBAL's module and name, each ended by a newline.</summary>
    string ReadLine()
    {
        int end = Array.IndexOf(_bytes, (byte)'\n', _position);
        if (end < 0) throw new PickleRefusalException("the pickle ends inside its name");
        return Decode(Take(end - _position + 1)[..^1]);
    }

    static string Decode(ReadOnlySpan<byte> bytes)
    {
        try { return StrictUtf8.GetString(bytes); }
        catch (DecoderFallbackException) { throw new PickleRefusalException("a string is not valid UTF-8"); }
    }

    /// <summary>A value's Python type for messages, with its article: "None", "an int", "a tuple", "an OrderedDict".</summary>
    public static string WithArticle(object? value)
    {
        var type = value switch
        {
            null => null,
            bool => "bool",
            long => "int",
            string => "str",
            object?[] => "tuple",
            List<object?> => "list",
            _ => value.ToString() ?? "object",
        };
        return type is null ? "None" : ("aeiouAEIOU".Contains(type[0]) ? "an " : "a ") + type;
    }

    static string Describe(PickleOpcode opcode) =>
        Enum.IsDefined(opcode) ? $"opcode 0x{(byte)opcode:X2} ({opcode})" : $"byte 0x{(byte)opcode:X2} (no pickle opcode)";

    BadInputException Bad(int offset, string problem) => new(_path, null, $"{_entry} at offset {offset}: {problem}");
}
