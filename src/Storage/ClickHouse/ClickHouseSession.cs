namespace Collector.Storage.ClickHouse;

/// <summary>
/// An HTTP session of ClickHouse (the <c>session_id</c> and <c>session_timeout</c> parameters): requests in one session
/// run one at a time (a second one meanwhile is refused with code 373), and settings made with SET stay with it until
/// it has been unused for <paramref name="Timeout"/> (the server's own default when null).
/// </summary>
public readonly record struct ClickHouseSession(string Id, TimeSpan? Timeout = null);
