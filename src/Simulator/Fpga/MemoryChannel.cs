namespace SparseBert.Simulator.Fpga;

/// <summary>
/// One off-chip memory channel behind one AXI master port, as the design's reads see it. A read of n elements is a
/// burst: its data starts Latency cycles after the request, or when the data bus is free of the bursts before it
/// (the port keeps several requests outstanding, so latency overlaps earlier transfers), and then takes the longer of
/// n cycles (the reading loop takes one element per cycle) and bytes ÷ the channel's bandwidth. Requests are served in
/// the order they are made. All arithmetic is in integers (cycles, bytes, kHz, bytes per ms), so stepping cycle by
/// cycle and fast-forwarding see exactly the same times.
/// </summary>
public sealed class MemoryChannel
{
    readonly long _latency, _clockKhz, _bytesPerMs;
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
        long bytes = elements * width;
        long transfer = Math.Max(elements, (bytes * _clockKhz + _bytesPerMs - 1) / _bytesPerMs);
        long start = Math.Max(now + _latency, _busFree);
        _busFree = start + transfer;
        BytesRead += bytes;
        return _busFree;
    }

    /// <summary>Moves the channel's clock forward by <paramref name="cycles"/> of a repeated period in which it read <paramref name="bytes"/>.</summary>
    internal void FastForward(long cycles, long bytes)
    {
        _busFree += cycles;
        BytesRead += bytes;
    }
}
