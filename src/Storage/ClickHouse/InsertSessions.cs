// Inserts that ClickHouse may still run after the batcher has given up on them, and the fence that stops them.
//
// A request that timed out or lost its connection is not a request ClickHouse never got: a hung server (stopped,
// swapping, its accept queue full) goes on with whatever waited in its sockets once it runs again, and a collector
// killed mid-insert leaves its last request there too. Such an insert, run after the batcher asked what is stored and
// inserted the rest again, stores those rows twice: MergeTree on 18.16 does not deduplicate inserts. (The torture
// suite's hung ClickHouse found exactly that: 2,800 rows stored twice.) So every insert runs in an HTTP session of
// ClickHouse of its own, and before the batcher asks what an unanswered insert stored, and whenever it starts, it
// fences that insert's session:
//
//   insert in session n ──no answer──> SET readonly = 1 in session n ──> ask what is stored ──> insert in session n+1
//
// ClickHouse runs one request of a session at a time (another one meanwhile is refused, code 373, and retried) and
// keeps its settings, so once the SET is through the insert has either finished, its rows there to be seen, or can
// only be refused (code 164) whenever it runs. The fenced session is asked to live an hour (the server's default
// most), far longer than anything waits in a running server's sockets; an insert's own session closes a second after
// it (a session per insert, so a change to the user's profile, such as making it read-only, applies at the next one).
// The number of the session an insert is about to use is written to <data-dir>/clickhouse-session first (no fsync: it
// has to outlive the process, as the socket's contents do, not the machine), so a restarted collector fences the last
// insert of the process before it. Numbers follow the clock, so none is used twice, even after that file was lost.
// Each table's batcher has sessions of its own (the tag is in the session's name and the file's), since their inserts
// run side by side; the events table's keep the names they had before there were others.
using System.Globalization;
using System.Text;

namespace Collector.Storage.ClickHouse;

/// <summary>The ClickHouse sessions the batcher inserts in, one per insert, and the fence that ends one (see the note at the top).</summary>
public sealed class InsertSessions
{
    public const string FileName = "clickhouse-session";

    private const int SessionTimeoutTooLarge = 374;
    private const int NumberDigits = 20;
    private static readonly TimeSpan FencedFor = TimeSpan.FromHours(1);
    private static readonly TimeSpan InsertSessionFor = TimeSpan.FromSeconds(1);

    private readonly string _path;
    private readonly string _owner;
    private readonly TimeProvider _time;
    private long? _last;

    /// <param name="logId">The durable log's id: sessions of collectors that share a ClickHouse never meet.</param>
    /// <param name="tag">Which batcher's sessions (null: the events table's, with the names they always had).</param>
    public InsertSessions(string dataDirectory, string logId, TimeProvider time, string? tag = null)
    {
        _path = Path.Combine(dataDirectory, tag is null ? FileName : $"{FileName}.{tag}");
        _owner = tag is null ? logId : $"{logId}-{tag}";
        _time = time;
        _last = ReadNumber(_path);
    }

    /// <summary>A new session for one insert, its number written down before it is used.</summary>
    public ClickHouseSession Next()
    {
        var next = Math.Max((_last ?? 0) + 1, _time.GetUtcNow().ToUnixTimeMilliseconds());
        WriteNumber(_path, next);
        _last = next;
        return new ClickHouseSession(Name(next), InsertSessionFor);
    }

    /// <summary>
    /// Makes sure the last insert's session (at the first call, possibly the last one of an earlier run) can store
    /// nothing any more. Throws <see cref="ClickHouseException"/> while ClickHouse does not answer, or still runs
    /// that insert (code 373): call again.
    /// </summary>
    public async Task FenceAsync(ClickHouseClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        if (_last is not { } last)
        {
            return;
        }

        try
        {
            await client.ExecuteAsync("SET readonly = 1", cancellationToken, useDatabase: false, session: new ClickHouseSession(Name(last), FencedFor));
        }
        catch (ClickHouseException ex) when (ex.Code == SessionTimeoutTooLarge)
        {
            // The server allows shorter sessions: its default still outlives what waits in its sockets by far.
            await client.ExecuteAsync("SET readonly = 1", cancellationToken, useDatabase: false, session: new ClickHouseSession(Name(last)));
        }
    }

    private string Name(long number) => $"collector-{_owner}-{number.ToString(CultureInfo.InvariantCulture)}";

    private static long? ReadNumber(string path)
    {
        try
        {
            return long.TryParse(File.ReadAllText(path).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var number) ? number : null;
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Overwrites the number in place (fixed width), so that a full disk does not keep it from being written once the file exists.</summary>
    private static void WriteNumber(string path, long number)
    {
        using var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.None, bufferSize: 1);
        file.Write(Encoding.ASCII.GetBytes(number.ToString(CultureInfo.InvariantCulture).PadLeft(NumberDigits, '0') + "\n"));
    }
}
