using System.Buffers;

namespace Collector.Storage.ClickHouse;

/// <summary>
/// The rows of one insert in a reused buffer, with where each row starts and which log entry it came from, so a
/// batch ClickHouse refuses can be split down to the rows it refuses.
/// </summary>
public sealed class RowBatch
{
    private readonly ArrayBufferWriter<byte> _rows = new(1024 * 1024);
    private readonly List<(int Offset, long Address)> _starts = [];

    public int Rows => _starts.Count;

    public int Bytes => _rows.WrittenCount;

    /// <summary>The address after the last entry read into this batch: where the cursor completes to once it is stored.</summary>
    public long NextAddress { get; set; }

    public IBufferWriter<byte> Writer => _rows;

    /// <summary>Called by the encoder before it writes each row.</summary>
    public void BeginRow(long address) => _starts.Add((_rows.WrittenCount, address));

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

    public void Clear()
    {
        _rows.ResetWrittenCount();
        _starts.Clear();
        NextAddress = 0;
    }
}
