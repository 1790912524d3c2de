using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Collector.Host.Security;

/// <summary>
/// Refused requests: authentication failures (by protocol and reason), events over a key's rate, calls over the
/// concurrency limit. Published on the "Collector" meter and kept as plain totals for /healthcheck.
/// </summary>
public sealed class SecurityCounters : IDisposable
{
    public const string MeterName = "Collector";

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Counter<long> _authFailures;
    private readonly Counter<long> _rateLimitedEvents;
    private readonly Counter<long> _refusedCalls;
    private readonly ConcurrentDictionary<string, long> _failuresByReason = new(StringComparer.Ordinal);
    private long _rateLimited;
    private long _refused;

    /// <summary>With the collector's meter factory, so each collector in a process exports only its own refusals.</summary>
    public SecurityCounters(IMeterFactory? meters = null)
    {
        _ownsMeter = meters is null;
        _meter = meters?.Create(MeterName) ?? new Meter(MeterName);
        _authFailures = _meter.CreateCounter<long>("collector.auth.failures", unit: "{request}", description: "Requests refused for a missing, malformed or unknown API key, or a key of the wrong role");
        _rateLimitedEvents = _meter.CreateCounter<long>("collector.ratelimit.refused_events", unit: "{event}", description: "Events refused because their key was over its events-per-second limit");
        _refusedCalls = _meter.CreateCounter<long>("collector.grpc.refused_calls", unit: "{call}", description: "gRPC calls refused because MaxConcurrentStreams calls were in progress");
    }

    public long AuthFailures => _failuresByReason.Values.Sum();

    public IReadOnlyDictionary<string, long> AuthFailuresByReason => _failuresByReason.ToDictionary(StringComparer.Ordinal);

    public long RateLimitedEvents => Interlocked.Read(ref _rateLimited);

    public long RefusedCalls => Interlocked.Read(ref _refused);

    /// <summary>The protocol tag of a refusal on the gRPC listener.</summary>
    public const string GrpcProtocol = "grpc";

    /// <summary>The protocol tag of a refusal on the HTTP listener.</summary>
    public const string HttpProtocol = "http";

    public void AuthFailed(string protocol, AuthFailure reason)
    {
        var tag = ReasonTag(reason);
        _failuresByReason.AddOrUpdate(tag, 1, (_, n) => n + 1);
        _authFailures.Add(1, new KeyValuePair<string, object?>("protocol", protocol), new KeyValuePair<string, object?>("reason", tag));
    }

    public void RateLimited(string keyName, int events)
    {
        Interlocked.Add(ref _rateLimited, events);
        _rateLimitedEvents.Add(events, new KeyValuePair<string, object?>("key", keyName));
    }

    public void CallRefused()
    {
        Interlocked.Increment(ref _refused);
        _refusedCalls.Add(1);
    }

    public void Dispose()
    {
        // A factory's meters are the factory's to dispose.
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    public static string ReasonTag(AuthFailure reason) => reason switch
    {
        AuthFailure.MissingHeader => "missing_key",
        AuthFailure.MalformedHeader => "malformed_header",
        AuthFailure.UnknownKey => "unknown_key",
        AuthFailure.Forbidden => "forbidden",
        _ => "none",
    };
}
