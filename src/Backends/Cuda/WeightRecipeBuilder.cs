namespace SparseBert.Backends.Cuda;

/// <summary>
/// Turns weights.bin, told front to back as zero bytes, carried bytes and generated elements, into few records
/// without knowing which weight format produced it: consecutive zeros become one zero record and consecutive carried
/// bytes one copy; generated elements with consecutive indices become a run, runs of one length at a constant stride
/// a block (a BSR block's rows, a dense matrix's kept rows), and blocks of one shape one <see cref="GenerateRecord"/>
/// with a start per block (the stored blocks of a BSR weight). A block smaller than <see cref="MinimumRun"/> elements
/// in both directions would cost more as a record than its elements do one by one, so its elements go to a
/// <see cref="ListRecord"/> instead (CSR and N:M values). Zeros that sit where a run's next elements would be (a dense
/// matrix pruned unstructured, or to N:M) stay inside the run as cleared bits of a <see cref="MaskedRunRecord"/>, when
/// that costs less than cutting the run at every zero.
/// </summary>
sealed class WeightRecipeBuilder
{
    /// <summary>A block whose runs are shorter than this and which has fewer runs than this is listed element by element.</summary>
    public const int MinimumRun = 4;

    /// <summary>The longest stretch of zeros kept inside a masked run; a longer one ends the run.</summary>
    public const int MaximumGap = 256;

    /// <summary>About what cutting a run at a zero stretch costs: a zero record and a new generate record.</summary>
    const int CutBytes = 40;

    readonly List<RecipeRecord> _records = [];
    long _zeros;
    readonly MemoryStream _carried = new();

    // The run being extended: elements _runStart.. of _runSource.
    int _runSource = -1;
    uint _runStart;
    int _runLength;
    List<(int Offset, int Count)> _runGaps = [];

    // The block being extended: _blockRuns runs of _blockLength from _blockStart, _blockStride apart.
    int _blockSource = -1, _blockLength, _blockRuns, _blockStride;
    uint _blockStart;

    // The record being extended: either one start per block of one shape, or a list of one source's elements.
    (int Source, int Length, int Runs, int Stride)? _shape;
    int _listSource = -1;
    List<uint> _entries = [];

    /// <summary>Zero bytes; held back until the next element shows whether they sit inside a run.</summary>
    public void Zeros(long bytes)
    {
        if (bytes == 0) return;
        FlushCarried();
        _zeros += bytes;
    }

    public void Carry(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty) return;
        FlushGenerated();
        FlushZeros();
        _carried.Write(bytes);
    }

    public void Generated(int source, uint index)
    {
        FlushCarried();
        if (_zeros > 0)
        {
            long gap = _zeros / 4, next = (long)_runStart + _runLength + gap;
            if (source == _runSource && _zeros % 4 == 0 && gap <= MaximumGap && index == next && _runLength + gap < int.MaxValue)
            {
                _runGaps.Add((_runLength, (int)gap));
                _runLength += (int)gap + 1;
                _zeros = 0;
                return;
            }
            FlushGenerated();
            FlushZeros();
        }
        if (source == _runSource && index == _runStart + (uint)_runLength && _runLength < int.MaxValue)
        {
            _runLength++;
            return;
        }
        CloseRun();
        (_runSource, _runStart, _runLength) = (source, index, 1);
    }

    public IReadOnlyList<RecipeRecord> Finish()
    {
        FlushGenerated();
        FlushZeros();
        FlushCarried();
        return _records;
    }

    void CloseRun()
    {
        if (_runSource < 0) return;
        long maskedBytes = 16 + 4L * ((_runLength + 31) / 32);
        if (_runGaps.Count > 0 && maskedBytes < (long)CutBytes * _runGaps.Count)
        {
            CloseBlock();
            CloseRecord();
            var mask = new uint[(_runLength + 31) / 32];
            Array.Fill(mask, uint.MaxValue);
            foreach (var (offset, count) in _runGaps)
                for (int j = offset; j < offset + count; j++) mask[j / 32] &= ~(1u << (j % 32));
            _records.Add(new MaskedRunRecord(_runSource, _runStart, _runLength, mask));
        }
        else
        {
            // Cut at every zero stretch: the pieces go on as plain runs, the zeros as zero records between them.
            int from = 0;
            foreach (var (offset, count) in _runGaps)
            {
                AddRun(_runSource, _runStart + (uint)from, offset - from);
                CloseBlock();
                CloseRecord();
                _records.Add(new ZeroRecord(4L * count));
                from = offset + count;
            }
            AddRun(_runSource, _runStart + (uint)from, _runLength - from);
        }
        _runSource = -1;
        _runGaps = [];
    }

    void AddRun(int source, uint start, int length)
    {
        long stride = (long)start - _blockStart;
        bool extends = _blockSource == source && _blockLength == length && stride > 0 &&
                       (_blockRuns == 1 ? stride <= int.MaxValue : stride == (long)_blockRuns * _blockStride);
        if (extends)
        {
            if (_blockRuns == 1) _blockStride = (int)stride;
            _blockRuns++;
        }
        else
        {
            CloseBlock();
            (_blockSource, _blockStart, _blockLength, _blockRuns, _blockStride) = (source, start, length, 1, 0);
        }
    }

    void CloseBlock()
    {
        if (_blockSource < 0) return;
        if (_blockLength < MinimumRun && _blockRuns < MinimumRun)
        {
            if (_listSource != _blockSource)
            {
                CloseRecord();
                _listSource = _blockSource;
            }
            for (int r = 0; r < _blockRuns; r++)
                for (int j = 0; j < _blockLength; j++)
                    _entries.Add((uint)(_blockStart + (long)r * _blockStride + j));
        }
        else
        {
            var shape = (_blockSource, _blockLength, _blockRuns, _blockStride);
            if (_shape != shape)
            {
                CloseRecord();
                _shape = shape;
            }
            _entries.Add(_blockStart);
        }
        _blockSource = -1;
    }

    void CloseRecord()
    {
        if (_shape is { } shape) _records.Add(new GenerateRecord(shape.Source, shape.Length, shape.Runs, shape.Stride, _entries));
        else if (_listSource >= 0) _records.Add(new ListRecord(_listSource, _entries));
        else return;
        _entries = [];
        _shape = null;
        _listSource = -1;
    }

    void FlushGenerated()
    {
        CloseRun();
        CloseBlock();
        CloseRecord();
    }

    void FlushZeros()
    {
        if (_zeros == 0) return;
        _records.Add(new ZeroRecord(_zeros));
        _zeros = 0;
    }

    void FlushCarried()
    {
        if (_carried.Length == 0) return;
        _records.Add(new CopyRecord(_carried.ToArray()));
        _carried.SetLength(0);
    }
}
