namespace Collector.Storage.ClickHouse;

/// <summary>Where ClickHouse is and how the collector talks to it over its HTTP interface.</summary>
public sealed class ClickHouseOptions
{
    /// <summary>The HTTP interface, e.g. <c>http://127.0.0.1:8123/</c>; a path is kept, a query string is ignored.</summary>
    public required Uri Url { get; init; }

    /// <summary>The database unqualified names resolve in; it must match <see cref="SqlText.IsIdentifier"/>.</summary>
    public string Database { get; init; } = "telemetry";

    /// <summary>Sent as HTTP Basic auth when set; never put in the URL or a log line.</summary>
    public string? User { get; init; }

    public string? Password { get; init; }

    /// <summary>The longest one request may take, from sending to the end of the response body.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Gzip insert bodies: RowBinary of telemetry shrinks several times, for little CPU.</summary>
    public bool CompressRequests { get; init; } = true;

    /// <summary>
    /// Whether insert bodies to <paramref name="url"/> are gzipped: "gzip", "none", or "auto", which is none to a
    /// loopback address (the co-located ClickHouse of run.sh: compressing for a local socket costs CPU on both sides of
    /// the same small box and saves nothing) and gzip to anywhere else.
    /// </summary>
    public static bool ShouldCompress(string setting, Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return setting switch
        {
            "gzip" => true,
            "none" => false,
            _ => !url.IsLoopback,
        };
    }
}
