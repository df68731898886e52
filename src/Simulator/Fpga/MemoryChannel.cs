namespace SparseBert.Simulator.Fpga;

/// <summary>
/// One off-chip memory channel behind one AXI master port, as the design's reads see it. A read of n elements is cut
/// into bursts of at most <see cref="MaxBurstBeats"/> elements, with at most <see cref="Outstanding"/> of them in
/// flight (Vitis HLS's m_axi defaults, max_read_burst_length = 16 and num_read_outstanding = 16). A burst's data starts
/// Latency cycles after its request, or when the data bus is free of the bursts before it, and then takes the longer of
/// one cycle per element (the reading loop takes one element per cycle) and bytes ÷ the channel's bandwidth. Requests
/// are served in the order they are made. All arithmetic is in integers (cycles, bytes, kHz, bytes per ms), so stepping
/// cycle by cycle and fast-forwarding see exactly the same times.
/// </summary>
public sealed class MemoryChannel
{
    public const int MaxBurstBeats = 16, Outstanding = 16;

    readonly long _latency, _clockKhz, _bytesPerMs;
    readonly long[] _inFlight = new long[Outstanding];
    long _busFree;

    /// <param name="latencyCycles">request to first data, in cycles of the design's clock</param>
    /// <param name="clockKhz">the design's clock</param>
    /// <param name="bytesPerMs">the channel's bandwidth (1 GB/s = 1,000,000 bytes per ms)</param>
    public MemoryChannel(long latencyCycles, long clockKhz, long bytesPerMs)
    {
        if (latencyCycles < 0 || clockKhz <= 0 || bytesPerMs <= 0)
            throw new ArgumentException("a memory channel needs latency ≥ 0, a positive clock and a positive bandwidth");
        (_latency, _clockKhz, _bytesPerMs) = (latencyCycles, clockKhz, bytesPerMs);
    }

    public long BytesRead { get; private set; }

    /// <summary>The cycle the bus is busy until, relative to <paramref name="now"/> (0 when idle): part of the simulation's state.</summary>
    public long BusyAfter(long now) => Math.Max(0, _busFree - now);

    /// <summary>A burst of <paramref name="elements"/> × <paramref name="width"/> bytes requested in cycle <paramref name="now"/>; returns the cycle its last element is available in.</summary>
    public long Request(long now, long elements, int width)
    {
        Array.Fill(_inFlight, now);
        for (long first = 0, burst = 0; first < elements; first += MaxBurstBeats, burst++)
        {
            long beats = Math.Min(MaxBurstBeats, elements - first), bytes = beats * width;
            // A burst is requested once the one Outstanding bursts before it has delivered its data.
            long requested = _inFlight[burst % Outstanding];
            long transfer = Math.Max(beats, (bytes * _clockKhz + _bytesPerMs - 1) / _bytesPerMs);
            _busFree = Math.Max(requested + _latency, _busFree) + transfer;
            _inFlight[burst % Outstanding] = _busFree;
        }
        BytesRead += elements * width;
        return _busFree;
    }

    /// <summary>Moves the channel's clock forward by <paramref name="cycles"/> of a repeated period in which it read <paramref name="bytes"/>.</summary>
    internal void FastForward(long cycles, long bytes)
    {
        _busFree += cycles;
        BytesRead += bytes;
    }
}
