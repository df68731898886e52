using SparseBert.IR;

namespace SparseBert.Fuzz;

/// <summary>
/// What every reader promises for any bytes: it returns, or throws <see cref="BadInputException"/>. Any other
/// exception escapes to SharpFuzz, which reports it as a crash; afl-fuzz's own timeout catches hangs. Allocation is
/// checked here because a size field that drives an allocation before it is checked against the file (the bug class
/// of issue 18, items 2 and 8) does not fail on a machine with memory to spare: it only makes a small file expensive.
/// </summary>
static class Contract
{
    /// <summary>
    /// A reader may allocate a few times its input (f16 and bf16 widen to f32 arrays, the ONNX importer copies weights
    /// into the model) plus a fixed amount for parsing; far beyond that, the file's numbers drove the allocation.
    /// </summary>
    const long BytesPerInputByte = 64;
    const long FixedBytes = 16 << 20;

    public static void Check(Target target, Stream input, string path)
    {
        long length;
        using (var file = File.Create(path))
        {
            input.CopyTo(file);
            length = file.Length;
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            target.Read(path);
        }
        catch (BadInputException)
        {
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        if (allocated > FixedBytes + BytesPerInputByte * length)
            throw new ExcessiveAllocationException($"{target.Name}: allocated {allocated} bytes for a {length}-byte input");
    }
}

sealed class ExcessiveAllocationException(string message) : Exception(message);
