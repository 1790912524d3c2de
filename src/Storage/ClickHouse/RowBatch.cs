using System.Buffers;

namespace Collector.Storage.ClickHouse;

/// <summary>
/// The rows of one insert, with where each row starts and which log entry it came from, so a batch ClickHouse refuses
/// can be split down to the rows it refuses. A streamed insert hands the rows on as they are written
/// (<see cref="SendPendingAsync"/>) and keeps only their places; a batch that must be sliced holds all its bytes.
/// </summary>
public sealed class RowBatch
{
    private readonly ArrayBufferWriter<byte> _rows = new(256 * 1024);
    private readonly List<(long Offset, long Address, uint Row)> _starts = [];

    // Bytes already handed to a request body: no longer held, so they cannot be sliced.
    private long _sent;

    public int Rows => _starts.Count;

    /// <summary>All the bytes written into this batch, sent on or held.</summary>
    public long Bytes => _sent + _rows.WrittenCount;

    /// <summary>Bytes written but not yet sent on.</summary>
    public int PendingBytes => _rows.WrittenCount;

    /// <summary>Where the first entry read into this batch is (or would be): where its rows can be read again from the log.</summary>
    public long FirstAddress { get; set; }

    /// <summary>The address after the last entry read into this batch: where the cursor completes to once it is stored.</summary>
    public long NextAddress { get; set; }

    public IBufferWriter<byte> Writer => _rows;

    /// <summary>Events read into this batch, rows or not (an entry's events that belong to another table count too).</summary>
    public long Events { get; set; }

    /// <summary>
    /// Called by the encoder before it writes each row: <paramref name="row"/> is the event's index within its entry
    /// (log_row), counted over all the entry's events, so a row's place is the same whichever table it goes to.
    /// </summary>
    public void BeginRow(long address, uint row) => _starts.Add((Bytes, address, row));

    /// <summary>Forgets rows written after the first <paramref name="rows"/> (an entry that turned out unreadable).</summary>
    public void Truncate(int rows, long bytes)
    {
        // An entry's rows are sent on only once the whole entry is written, so they are all still held here.
        if (bytes < _sent)
        {
            throw new InvalidOperationException($"rows up to byte {_sent} were already sent; cannot take back to {bytes}");
        }

        _starts.RemoveRange(rows, _starts.Count - rows);
        var kept = _rows.WrittenSpan[..(int)(bytes - _sent)].ToArray();
        _rows.ResetWrittenCount();
        _rows.Write(kept);
    }

    /// <summary>Writes the pending bytes to <paramref name="body"/> and stops holding them.</summary>
    public async ValueTask SendPendingAsync(Stream body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (_rows.WrittenCount == 0)
        {
            return;
        }

        await body.WriteAsync(_rows.WrittenMemory, cancellationToken);
        _sent += _rows.WrittenCount;
        _rows.ResetWrittenCount();
    }

    /// <summary>The bytes of rows [<paramref name="first"/>, <paramref name="first"/> + <paramref name="count"/>) of a batch that holds all of them.</summary>
    public ReadOnlyMemory<byte> Slice(int first, int count)
    {
        if (_sent > 0)
        {
            throw new InvalidOperationException("the rows of a streamed batch were sent on; read them again from the log to slice them");
        }

        var start = (int)_starts[first].Offset;
        var end = first + count < _starts.Count ? (int)_starts[first + count].Offset : _rows.WrittenCount;
        return _rows.WrittenMemory[start..end];
    }

    public long AddressOf(int row) => _starts[row].Address;

    /// <summary>Where row <paramref name="row"/> of the batch lies in the log: its entry and its index in it.</summary>
    public (long Address, uint Row) PlaceOf(int row) => (_starts[row].Address, _starts[row].Row);

    public void Clear()
    {
        _rows.ResetWrittenCount();
        _starts.Clear();
        _sent = 0;
        Events = 0;
        FirstAddress = 0;
        NextAddress = 0;
    }
}
