using System.Globalization;

namespace Collector.Storage.Log;

/// <summary>
/// Which log an address belongs to. Every new log starts again at the same small addresses, so an address alone
/// cannot tell one log's rows from another's (a data dir reset, two collectors on one database). The identity is a
/// random id made when the log is made and kept in &lt;data-dir&gt;/log-id; a log that is new (no commit record yet)
/// always gets a new id, even if an old file lingers. A log that predates identities adopts one at its first start
/// with this code: rows it stored before carry an empty id, and only addresses below <see cref="LegacyBelow"/> may.
/// </summary>
/// <param name="Id">32 hex digits.</param>
/// <param name="LegacyBelow">0, or the committed end of the log when it adopted its id.</param>
public sealed record LogIdentity(string Id, long LegacyBelow)
{
    public const string FileName = "log-id";

    /// <summary>Reads the identity of an existing log, or makes (and durably writes) a new one.</summary>
    /// <param name="directory">The data directory.</param>
    /// <param name="logIsNew">True when the log has no commit record: nothing in it was ever acknowledged.</param>
    /// <param name="committedUntil">Where a log without an id file ends, for a log adopting an identity.</param>
    public static LogIdentity Resolve(string directory, bool logIsNew, Func<long> committedUntil)
    {
        ArgumentNullException.ThrowIfNull(committedUntil);
        var path = Path.Combine(directory, FileName);
        if (!logIsNew && TryRead(path) is { } kept)
        {
            return kept;
        }

        var made = new LogIdentity(Guid.NewGuid().ToString("N"), logIsNew ? 0 : committedUntil());
        Write(path, made);
        return made;
    }

    private static LogIdentity? TryRead(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        var parts = File.ReadAllText(path).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 2 || parts[0].Length != 32 || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var legacyBelow))
        {
            throw new DurableLogUnavailableException($"{path} is damaged (expected '<32 hex digits> <address>'); it names this log in ClickHouse, so restore it rather than delete it");
        }

        return new LogIdentity(parts[0], legacyBelow);
    }

    private static void Write(string path, LogIdentity identity)
    {
        var temporary = path + ".tmp";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            file.Write(System.Text.Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{identity.Id} {identity.LegacyBelow}\n")));
            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
