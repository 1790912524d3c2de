using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using Grpc.Core;

namespace Collector.Host.Metrics;

/// <summary>
/// The host's recorded instruments: requests by method and code, their durations, gRPC calls in progress, and the
/// latency from a batch's arrival to its Ack. One recording per call or batch, never per event; tags go in a
/// <see cref="TagList"/> on the stack and every label value is a cached string, so recording allocates nothing.
/// </summary>
public sealed class RequestMetrics
{
    /// <summary>The method label of gRPC requests that named no method we serve (the raw path would be unbounded).</summary>
    public const string UnknownMethod = "unknown";

    /// <summary>The route label of HTTP requests that matched no route.</summary>
    public const string UnmatchedRoute = "unmatched";

    private static readonly string[] GrpcCodeNames =
    [
        "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED",
        "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE",
        "DATA_LOSS", "UNAUTHENTICATED",
    ];

    private static readonly string[] HttpCodeNames = Enumerable.Range(0, 600).Select(code => code.ToString(CultureInfo.InvariantCulture)).ToArray();

    private readonly Counter<long> _requests;
    private readonly Histogram<double> _duration;
    private readonly UpDownCounter<long> _activeStreams;
    private readonly Histogram<double> _ackLatency;
    private long _grpcInternalErrors;
    private long _httpServerErrors;

    public RequestMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        var meter = meters.Create(PrometheusExporter.MeterName);
        _requests = meter.CreateCounter<long>("collector.requests", "{request}", "Requests served: gRPC calls by method path and status code name, HTTP requests by route pattern and status code.");
        _duration = meter.CreateHistogram(
            "collector.request.duration",
            unit: "s",
            description: "Time from a request's arrival to its end (a gRPC stream's whole life), in seconds, by method.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300] });
        _activeStreams = meter.CreateUpDownCounter<long>("collector.active_streams", "{stream}", "gRPC calls in progress.");

        // So the gauge reads 0 before the first call rather than being absent.
        _activeStreams.Add(0);
        _ackLatency = meter.CreateHistogram(
            "collector.ack.latency",
            unit: "s",
            description: "Time from a batch's arrival to its Ack being written (parse, validate, append, group commit), in seconds.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = Collector.Storage.StorageMetrics.FastDurationBounds });
        AckLatency = new AckLatencyWindow(Collector.Storage.StorageMetrics.FastDurationBounds, TimeProvider.System);
    }

    /// <summary>The last minute of the same Ack latencies, for the status page (the histogram counts since start).</summary>
    public AckLatencyWindow AckLatency { get; }

    /// <summary>gRPC calls that ended INTERNAL: a bug or an unexpected failure, logged with its exception.</summary>
    public long GrpcInternalErrors => Interlocked.Read(ref _grpcInternalErrors);

    /// <summary>HTTP requests answered 5xx.</summary>
    public long HttpServerErrors => Interlocked.Read(ref _httpServerErrors);

    public void GrpcCallStarted() => _activeStreams.Add(1);

    /// <summary>Ends a call counted by <see cref="GrpcCallStarted"/>; <paramref name="code"/> is a cached label such as <see cref="GrpcCode"/> gives.</summary>
    public void GrpcCallEnded(string method, string code, long startedTimestamp)
    {
        _activeStreams.Add(-1);
        if (ReferenceEquals(code, GrpcCodeNames[(int)StatusCode.Internal]))
        {
            Interlocked.Increment(ref _grpcInternalErrors);
        }

        Record(method, code, startedTimestamp);
    }

    public void HttpRequestEnded(string route, int statusCode, long startedTimestamp)
    {
        if (statusCode >= 500)
        {
            Interlocked.Increment(ref _httpServerErrors);
        }

        Record(route, HttpCode(statusCode), startedTimestamp);
    }

    /// <summary>Records the time since the batch arrived (<see cref="Stopwatch"/> timestamp), once its Ack is written.</summary>
    public void AckWritten(long receivedTimestamp)
    {
        var seconds = Stopwatch.GetElapsedTime(receivedTimestamp).TotalSeconds;
        _ackLatency.Record(seconds);
        AckLatency.Record(seconds);
    }

    public static string GrpcCode(StatusCode code) => (uint)code < (uint)GrpcCodeNames.Length ? GrpcCodeNames[(int)code] : GrpcCodeNames[(int)StatusCode.Unknown];

    public static string HttpCode(int statusCode) =>
        (uint)statusCode < (uint)HttpCodeNames.Length ? HttpCodeNames[statusCode] : statusCode.ToString(CultureInfo.InvariantCulture);

    private void Record(string method, string code, long startedTimestamp)
    {
        var requestTags = new TagList { { "method", method }, { "code", code } };
        _requests.Add(1, requestTags);
        var durationTags = new TagList { { "method", method } };
        _duration.Record(Stopwatch.GetElapsedTime(startedTimestamp).TotalSeconds, durationTags);
    }
}
