using System.Buffers;

namespace Collector.Storage.ClickHouse;

/// <summary>
/// The rows of one insert in a reused buffer, with where each row starts and which log entry it came from, so a
/// batch ClickHouse refuses can be split down to the rows it refuses.
/// </summary>
public sealed class RowBatch
{
    private readonly ArrayBufferWriter<byte> _rows = new(1024 * 1024);
    private readonly List<(int Offset, long Address, uint Row)> _starts = [];

    public int Rows => _starts.Count;

    public int Bytes => _rows.WrittenCount;

    /// <summary>The address after the last entry read into this batch: where the cursor completes to once it is stored.</summary>
    public long NextAddress { get; set; }

    public IBufferWriter<byte> Writer => _rows;

    /// <summary>Called by the encoder before it writes each row; returns the row's index within its entry.</summary>
    public uint BeginRow(long address)
    {
        var row = _starts.Count > 0 && _starts[^1].Address == address ? _starts[^1].Row + 1 : 0;
        _starts.Add((_rows.WrittenCount, address, row));
        return row;
    }

    /// <summary>Forgets rows written after the first <paramref name="rows"/> (an entry that turned out unreadable).</summary>
    public void Truncate(int rows, int bytes)
    {
        _starts.RemoveRange(rows, _starts.Count - rows);
        var kept = _rows.WrittenSpan[..bytes].ToArray();
        _rows.ResetWrittenCount();
        _rows.Write(kept);
    }

    /// <summary>The bytes of rows [<paramref name="first"/>, <paramref name="first"/> + <paramref name="count"/>).</summary>
    public ReadOnlyMemory<byte> Slice(int first, int count)
    {
        var start = _starts[first].Offset;
        var end = first + count < _starts.Count ? _starts[first + count].Offset : _rows.WrittenCount;
        return _rows.WrittenMemory[start..end];
    }

    public long AddressOf(int row) => _starts[row].Address;

    /// <summary>Where row <paramref name="row"/> of the batch lies in the log: its entry and its index in it.</summary>
    public (long Address, uint Row) PlaceOf(int row) => (_starts[row].Address, _starts[row].Row);

    public void Clear()
    {
        _rows.ResetWrittenCount();
        _starts.Clear();
        NextAddress = 0;
    }
}
