using System.Runtime.CompilerServices;

namespace SparseBert.IR.Interpretation;

/// <summary>
/// The f32 buffers of one graph's runs, recycled: a value's buffer goes back to the free lists when the last value
/// holding it (reshapes alias their input) has had its last use, and later nodes of the same shape (every encoder
/// layer repeats the first) take it instead of allocating. The free lists outlive a run, so a graph run again
/// allocates only the buffers its outputs take away. Without this, BERT-base allocated 130 MB per inference, and the
/// zeroing and collections cost more than some of the ops.
/// Only buffers this pool handed out are ever recycled: never an input, a constant, or an output.
/// </summary>
internal sealed class InterpreterBuffers
{
    readonly Dictionary<int, Stack<float[]>> _free = [];
    readonly Dictionary<float[], int> _holders = new(ReferenceEqualityComparer.Instance);

    /// <summary>A buffer of exactly this many floats, with unspecified contents: the op overwrites all of it.</summary>
    public float[] Rent(long length)
    {
        int count = checked((int)length);
        var buffer = _free.TryGetValue(count, out var stack) && stack.Count > 0
            ? stack.Pop()
            : GC.AllocateUninitializedArray<float>(count);
#if DEBUG
        // Debug builds (the tests) poison recycled memory, so an op that reads before it writes shows up as NaN.
        Array.Fill(buffer, float.NaN);
#endif
        _holders[buffer] = 0;
        return buffer;
    }

    /// <summary>A value now holds <paramref name="tensor"/>'s buffer (no-op for buffers not rented here).</summary>
    public void Hold(Tensor tensor)
    {
        if (tensor.Type.DType == DType.F32 && _holders.TryGetValue(tensor.Floats, out int count)) _holders[tensor.Floats] = count + 1;
    }

    /// <summary>A value holding <paramref name="tensor"/>'s buffer is dead; the last one frees the buffer.</summary>
    public void Release(Tensor tensor)
    {
        if (tensor.Type.DType != DType.F32 || !_holders.TryGetValue(tensor.Floats, out int count)) return;
        if (count > 1)
        {
            _holders[tensor.Floats] = count - 1;
            return;
        }
        _holders.Remove(tensor.Floats);
        if (!_free.TryGetValue(tensor.Floats.Length, out var stack)) _free[tensor.Floats.Length] = stack = new Stack<float[]>();
        stack.Push(tensor.Floats);
    }

    /// <summary>Ends a run: what is still held (the outputs) now belongs to the caller and is forgotten.</summary>
    public void EndRun() => _holders.Clear();

    static readonly ConditionalWeakTable<Graph, Slot> s_pools = new();

    sealed class Slot { public InterpreterBuffers? Buffers; }

    /// <summary>
    /// The graph's pool, taken for one run: a concurrent run of the same graph finds the slot empty and gets a fresh
    /// pool, so no two runs ever share one. <see cref="Return"/> puts it back.
    /// </summary>
    public static InterpreterBuffers Take(Graph graph) =>
        Interlocked.Exchange(ref s_pools.GetOrCreateValue(graph).Buffers, null) ?? new InterpreterBuffers();

    public static void Return(Graph graph, InterpreterBuffers buffers)
    {
        buffers.EndRun();
        s_pools.GetOrCreateValue(graph).Buffers = buffers;
    }
}
