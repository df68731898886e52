namespace SparseBert.Simulator.Fpga;

/// <summary>How one process spent the stage: busy, blocked on a FIFO (full or empty), or waiting for off-chip data.</summary>
public sealed record ProcessTiming(long FinishCycle, long BusyCycles, long FifoStallCycles, long MemoryWaitCycles);

/// <summary>
/// The stage's length (the last process's finish), each process's time, the iterations each loop ran and the bytes
/// read; ReplayedPeriods counts the repeated periods fast-forward skipped (0 when stepping).
/// </summary>
public sealed record DataflowResult(long Cycles, IReadOnlyList<ProcessTiming> Processes, IReadOnlyList<long> LoopIterations, long BytesRead, long ReplayedPeriods);

/// <summary>
/// Runs processes that share FIFOs and one memory channel, cycle by cycle. In each cycle every process either works
/// (a Work action counts down), waits for a read, or tries a FIFO operation against the FIFO's occupancy at the start
/// of the cycle (a token written in cycle t can be read from cycle t + 1; a slot freed in cycle t can be written from
/// t + 1). Stalls are whatever this produces: nothing is charged by formula.
///
/// Two ways to run it, with identical results (the tests hold them to it): <see cref="Mode.Stepped"/> visits every
/// cycle; <see cref="Mode.FastForward"/> jumps over cycles in which no process can interact (all are counting down,
/// waiting for memory, or blocked), and when the first process starts an iteration of a repeated segment in exactly
/// the state (relative positions, FIFO occupancy, channel backlog) it started the previous one in, it replays that
/// period as many times as every process stays inside its repeated segments — the state repeats, so the cycles do.
/// </summary>
public sealed class DataflowSimulator
{
    public enum Mode { Stepped, FastForward }

    const long Never = long.MaxValue;

    readonly Process[] _processes;
    readonly int[] _depth, _count, _pushed, _popped;
    readonly MemoryChannel _channel;
    readonly long[] _loops;
    long _now, _replayed;

    DataflowSimulator(IReadOnlyList<ProcessProgram> programs, IReadOnlyList<int> fifoDepths, MemoryChannel channel)
    {
        if (fifoDepths.Any(d => d < 1)) throw new ArgumentException("every FIFO holds at least one token");
        _processes = programs.Select(p => new Process(p.Segments)).ToArray();
        _depth = [.. fifoDepths];
        _count = new int[_depth.Length];
        _pushed = new int[_depth.Length];
        _popped = new int[_depth.Length];
        _channel = channel;
        int loops = programs.SelectMany(p => p.Segments).SelectMany(s => s.Body).Select(a => a.Loop + 1).DefaultIfEmpty(0).Max();
        _loops = new long[loops];
        foreach (var process in _processes) Enter(process);
    }

    /// <summary>Runs the processes to completion. A deadlock (every unfinished process blocked on a FIFO) is an error.</summary>
    public static DataflowResult Run(IReadOnlyList<ProcessProgram> programs, IReadOnlyList<int> fifoDepths, MemoryChannel channel, Mode mode = Mode.FastForward)
    {
        var simulation = new DataflowSimulator(programs, fifoDepths, channel);
        simulation.Run(mode);
        return new DataflowResult(
            simulation._processes.Select(p => p.Finish).DefaultIfEmpty(0).Max(),
            simulation._processes.Select(p => new ProcessTiming(p.Finish, p.Busy, p.FifoStall, p.MemoryWait)).ToList(),
            simulation._loops, channel.BytesRead, simulation._replayed);
    }

    void Run(Mode mode)
    {
        Snapshot? previous = null;
        while (_processes.Any(p => !p.Done))
        {
            if (mode == Mode.FastForward) previous = Replay(previous);
            long skip = Never;
            foreach (var process in _processes) skip = Math.Min(skip, QuietCycles(process));
            if (skip == Never)
                throw new InvalidOperationException($"deadlock at cycle {_now}: every unfinished process waits on a FIFO");
            if (skip == 0 || mode == Mode.Stepped) StepOneCycle();
            else
            {
                foreach (var process in _processes) Idle(process, skip);
                _now += skip;
            }
        }
    }

    /// <summary>How many cycles from now the process neither changes a FIFO nor issues a read (Never: blocked until another process acts).</summary>
    long QuietCycles(Process p)
    {
        if (p.Done) return Never;
        var action = p.Current;
        return action.Kind switch
        {
            ActionKind.Work => p.Remaining,
            ActionKind.Read => p.WaitUntil < 0 ? 0 : p.WaitUntil - _now,
            ActionKind.Push => _count[action.Fifo] < _depth[action.Fifo] ? 0 : Never,
            _ => _count[action.Fifo] > 0 ? 0 : Never,
        };
    }

    /// <summary>What <paramref name="cycles"/> quiet cycles do to a process: count down, wait, or stay blocked.</summary>
    void Idle(Process p, long cycles)
    {
        if (p.Done) return;
        switch (p.Current.Kind)
        {
            case ActionKind.Work:
                p.Busy += cycles;
                p.Remaining -= cycles;
                if (p.Remaining == 0) Advance(p, _now + cycles);
                break;
            case ActionKind.Read:
                p.MemoryWait += cycles;
                if (_now + cycles >= p.WaitUntil) Advance(p, _now + cycles);
                break;
            default:
                p.FifoStall += cycles;
                break;
        }
    }

    void StepOneCycle()
    {
        foreach (var p in _processes)
        {
            if (p.Done) continue;
            var action = p.Current;
            switch (action.Kind)
            {
                case ActionKind.Work:
                    Idle(p, 1);
                    break;
                case ActionKind.Read:
                    if (p.WaitUntil < 0) p.WaitUntil = _channel.Request(_now, action.Amount, action.Width);
                    Idle(p, 1);
                    break;
                case ActionKind.Push when _count[action.Fifo] < _depth[action.Fifo]:
                    _pushed[action.Fifo]++;
                    p.Busy++;
                    Advance(p, _now + 1);
                    break;
                case ActionKind.Pop when _count[action.Fifo] > 0:
                    _popped[action.Fifo]++;
                    p.Busy++;
                    Advance(p, _now + 1);
                    break;
                default:
                    p.FifoStall++;
                    break;
            }
        }
        for (int f = 0; f < _count.Length; f++)
        {
            _count[f] += _pushed[f] - _popped[f];
            _pushed[f] = _popped[f] = 0;
        }
        _now++;
    }

    /// <summary>Moves past the current action, which finished; <paramref name="next"/> is the cycle the next one starts in.</summary>
    void Advance(Process p, long next)
    {
        var done = p.Current;
        if (done.Loop >= 0) _loops[done.Loop] += done.Iterations;
        var segment = p.Segments[p.Segment];
        if (++p.Position == segment.Body.Count)
        {
            p.Position = 0;
            if (++p.Iteration == segment.Count)
            {
                p.Iteration = 0;
                p.Segment++;
            }
        }
        if (p.Done) p.Finish = next;
        else Enter(p);
    }

    static void Enter(Process p)
    {
        if (p.Done) return;
        p.Remaining = p.Current.Kind == ActionKind.Work ? p.Current.Amount : 0;
        p.WaitUntil = -1;
    }

    /// <summary>
    /// Called between cycles in fast-forward mode. When the first process has just begun a new iteration of a repeated
    /// segment, compares the state with the one at the start of its previous iteration; if every relative quantity is
    /// the same, the period between them is replayed as often as all processes stay within their current segments.
    /// </summary>
    Snapshot? Replay(Snapshot? previous)
    {
        var lead = _processes[0];
        if (lead.Done || lead.Position != 0 || lead.Segments[lead.Segment].Count == 1) return previous;
        if (previous is not null && previous.LeadSegment == lead.Segment && previous.LeadIteration == lead.Iteration) return previous;

        var current = Take();
        if (previous is null || previous.LeadSegment != lead.Segment || previous.LeadIteration != lead.Iteration - 1 || !current.SameStateAs(previous))
            return current;

        // The state repeats with period dt; find how many more periods keep every process inside its segment.
        long periods = lead.Segments[lead.Segment].Count - 1 - lead.Iteration;
        for (int i = 1; i < _processes.Length; i++)
        {
            var p = _processes[i];
            long advance = current.Iterations[i] - previous.Iterations[i];
            if (!p.Done && advance > 0) periods = Math.Min(periods, (p.Segments[p.Segment].Count - 1 - p.Iteration) / advance);
        }
        if (periods <= 0) return current;

        long dt = current.Now - previous.Now;
        for (int i = 0; i < _processes.Length; i++)
        {
            var p = _processes[i];
            p.Iteration += periods * (current.Iterations[i] - previous.Iterations[i]);
            p.Busy += periods * (current.Busy[i] - previous.Busy[i]);
            p.FifoStall += periods * (current.FifoStall[i] - previous.FifoStall[i]);
            p.MemoryWait += periods * (current.MemoryWait[i] - previous.MemoryWait[i]);
            if (p.WaitUntil >= 0) p.WaitUntil += periods * dt;
        }
        for (int l = 0; l < _loops.Length; l++) _loops[l] += periods * (current.Loops[l] - previous.Loops[l]);
        _channel.FastForward(periods * dt, periods * (current.BytesRead - previous.BytesRead));
        _now += periods * dt;
        _replayed += periods;
        return Take();
    }

    Snapshot Take() => new(
        _now, _processes[0].Segment, _processes[0].Iteration,
        _processes.Select(p => (p.Segment, p.Position, p.Remaining, p.WaitUntil < 0 ? -1 : p.WaitUntil - _now)).ToArray(),
        [.. _count], _channel.BusyAfter(_now),
        _processes.Select(p => p.Iteration).ToArray(), _processes.Select(p => p.Busy).ToArray(),
        _processes.Select(p => p.FifoStall).ToArray(), _processes.Select(p => p.MemoryWait).ToArray(),
        [.. _loops], _channel.BytesRead);

    sealed record Snapshot(
        long Now, int LeadSegment, long LeadIteration,
        (int Segment, int Position, long Remaining, long Wait)[] Positions, int[] Fifos, long ChannelBacklog,
        long[] Iterations, long[] Busy, long[] FifoStall, long[] MemoryWait, long[] Loops, long BytesRead)
    {
        public bool SameStateAs(Snapshot other) =>
            Positions.AsSpan().SequenceEqual(other.Positions) && Fifos.AsSpan().SequenceEqual(other.Fifos) && ChannelBacklog == other.ChannelBacklog;
    }

    sealed class Process(IReadOnlyList<Segment> segments)
    {
        public readonly IReadOnlyList<Segment> Segments = segments;
        public int Segment, Position;
        public long Iteration, Remaining, WaitUntil = -1;
        public long Busy, FifoStall, MemoryWait, Finish;
        public bool Done => Segment >= Segments.Count;
        public HwAction Current => Segments[Segment].Body[Position];
    }
}
