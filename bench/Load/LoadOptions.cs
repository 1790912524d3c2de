using System.Globalization;

namespace Collector.Bench.Load;

/// <summary>What the load run does; parsed from --name value pairs (and a few bare switches).</summary>
internal sealed record LoadOptions
{
    public Uri Target { get; init; } = new("http://127.0.0.1:4317");

    /// <summary>Separate HTTP/2 connections (one GrpcChannel each, or one grpcio channel each).</summary>
    public int Connections { get; init; } = 1;

    /// <summary>Streams per connection.</summary>
    public int Streams { get; init; } = 4;

    public int TotalStreams => Connections * Streams;

    public int BatchSize { get; init; } = 500;

    /// <summary>Events in total across all streams; null = run for <see cref="Duration"/>.</summary>
    public long? Events { get; init; }

    /// <summary>Seconds of sending; the default applies only when no event count is given.</summary>
    public double? Duration { get; init; }

    /// <summary>Offered events per second across all streams; 0 = as fast as acks allow (closed loop).</summary>
    public double Rate { get; init; }

    /// <summary>Seconds over which the offered rate grows linearly from 0 to <see cref="Rate"/>.</summary>
    public double RampUp { get; init; }

    /// <summary>Seconds at the start whose Acks the summary's latency figures leave out (a cold collector's JIT and caches).</summary>
    public double WarmUp { get; init; }

    /// <summary>Batches a stream may have unacknowledged in closed-loop mode.</summary>
    public int Window { get; init; } = 8;

    /// <summary>Approximate encoded size of one event; its message text is padded to reach it.</summary>
    public int EventBytes { get; init; } = 150;

    public int Attributes { get; init; } = 3;

    /// <summary>Sent as <c>authorization: Bearer</c> on every call and to /metrics.</summary>
    public string? ApiKey { get; init; }

    /// <summary>Where summary.json, summary.md and chart.svg go; none writes no files.</summary>
    public string? OutputDirectory { get; init; }

    /// <summary>The collector's HTTP url; its /metrics counters are compared with what this tool counted.</summary>
    public Uri? MetricsUrl { get; init; }

    /// <summary>The collector's process id, to sample its memory from /proc.</summary>
    public int? CollectorPid { get; init; }

    /// <summary>A ClickHouse server's process id, to count the CPU it used during the run (the core profile's third party).</summary>
    public int? ClickHousePid { get; init; }

    public bool Quiet { get; init; }

    /// <summary>Drive the same load through Debian's python3-grpcio instead of our .NET client.</summary>
    public bool PythonPeer { get; init; }

    public bool Help { get; init; }

    /// <summary>ClickHouse's HTTP url, to measure ack-to-visible freshness; none skips it.</summary>
    public Uri? ClickHouse { get; init; }

    public string Database { get; init; } = "telemetry";

    /// <summary>Seconds to wait after the run for every acknowledged batch to be visible in ClickHouse; those never seen have no freshness.</summary>
    public double FreshnessWait { get; init; } = 60;

    public bool IsClosedLoop => Rate <= 0;

    /// <summary>How long sending lasts at most, in seconds (infinite when only an event count bounds it).</summary>
    public double SendSeconds => Duration ?? (Events is null ? DefaultDuration : double.PositiveInfinity);

    public const double DefaultDuration = 10;

    public static string HelpText =>
        """
        Collector.Bench.Load: drives a running collector over telemetry.v1.Collector/Stream and reports throughput,
        ack latency and the collector's memory, checked against the collector's own /metrics counters.

        Options (defaults in brackets):
          --target URL              the collector's gRPC url [http://127.0.0.1:4317]
          --connections N           separate HTTP/2 connections [1]
          --streams M               streams per connection [4]
          --batch N                 events per batch [500]
          --rate R                  offered events/s across all streams; 0 = closed loop [0]
          --ramp-up S               seconds over which the offered rate grows linearly from 0 to R [0]
          --warm-up S               leave the Acks of the first S seconds out of the summary's latency figures
                                    (they stay in the per-second series and all counts) [0]
          --window N                closed loop: unacknowledged batches per stream [8]
          --duration S              seconds of sending [10 when --events is not given]
          --events N                events in total; with --duration, whichever comes first ends the run
          --event-bytes N           approximate encoded size of one event [150]
          --attributes N            attributes per event [3]
          --api-key KEY             sent as 'authorization: Bearer KEY' (gRPC calls and /metrics)
          --metrics-url URL         the collector's HTTP url: compare /metrics counter deltas with the acks
          --collector-pid PID       sample the collector's VmRSS each second and its VmHWM peak
          --clickhouse-pid PID      count the CPU this ClickHouse server used during the run
          --out DIR                 write summary.json, summary.md and chart.svg there
          --python-peer             send through Debian's python3-grpcio (bench/Load/load_peer.py) instead
          --clickhouse-url URL      measure ack-to-visible freshness in ClickHouse (.NET client only)
          --clickhouse-database DB  the collector's ClickHouse database [telemetry]
          --freshness-wait S        after sending, wait at most S seconds for every acked batch to be visible [60]
          --quiet                   no live progress on stderr
          --help                    this text

        Progress goes to stderr once per second; the summary to stdout, its last line being summary.json in one line.
        Exit codes: 0 done; 1 errors or unacknowledged events; 2 bad options; 3 /metrics disagrees with the acks.
        """;

    /// <summary>Reads the command line; a <see cref="UsageException"/> says what is wrong with it.</summary>
    public static LoadOptions Parse(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var options = new LoadOptions();
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            if (name is "--help" or "-h")
            {
                options = options with { Help = true };
                continue;
            }

            if (name is "--quiet")
            {
                options = options with { Quiet = true };
                continue;
            }

            if (name is "--python-peer")
            {
                options = options with { PythonPeer = true };
                continue;
            }

            if (i + 1 >= args.Length)
            {
                throw new UsageException($"option {name} needs a value");
            }

            var value = args[++i];
            options = name switch
            {
                "--target" => options with { Target = ParseUri(name, value) },
                "--connections" => options with { Connections = ParseInt(name, value, min: 1) },
                "--streams" => options with { Streams = ParseInt(name, value, min: 1) },
                "--batch" => options with { BatchSize = ParseInt(name, value, min: 1) },
                "--events" => options with { Events = ParseLong(name, value) },
                "--duration" => options with { Duration = ParseDouble(name, value, allowZero: false) },
                "--rate" => options with { Rate = ParseDouble(name, value, allowZero: true) },
                "--ramp-up" => options with { RampUp = ParseDouble(name, value, allowZero: true) },
                "--warm-up" => options with { WarmUp = ParseDouble(name, value, allowZero: true) },
                "--window" => options with { Window = ParseInt(name, value, min: 1) },
                "--event-bytes" => options with { EventBytes = ParseInt(name, value, min: 1) },
                "--attributes" => options with { Attributes = ParseInt(name, value, min: 0) },
                "--api-key" => options with { ApiKey = value },
                "--metrics-url" => options with { MetricsUrl = ParseUri(name, value) },
                "--collector-pid" => options with { CollectorPid = ParseInt(name, value, min: 1) },
                "--clickhouse-pid" => options with { ClickHousePid = ParseInt(name, value, min: 1) },
                "--out" => options with { OutputDirectory = value },
                "--clickhouse-url" => options with { ClickHouse = ParseUri(name, value) },
                "--clickhouse-database" => options with { Database = value },
                "--freshness-wait" => options with { FreshnessWait = ParseDouble(name, value, allowZero: true) },
                _ => throw new UsageException($"unknown option {name} (see --help)"),
            };
        }

        if (options.PythonPeer && options.ClickHouse is not null)
        {
            throw new UsageException("--clickhouse-url works with the .NET client only, not with --python-peer");
        }

        if (options.RampUp > 0 && options.IsClosedLoop)
        {
            throw new UsageException("--ramp-up needs an offered --rate; a closed loop has no rate to ramp");
        }

        return options;
    }

    private static Uri ParseUri(string name, string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri
            : throw new UsageException($"{name}: '{value}' is not an http:// or https:// url");

    private static int ParseInt(string name, string value, int min) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var result) && result >= min
            ? result
            : throw new UsageException($"{name}: '{value}' is not a whole number >= {min}");

    private static long ParseLong(string name, string value) =>
        long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var result) && result >= 1
            ? result
            : throw new UsageException($"{name}: '{value}' is not a whole number >= 1");

    private static double ParseDouble(string name, string value, bool allowZero) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var result) && double.IsFinite(result) && (result > 0 || (allowZero && result == 0))
            ? result
            : throw new UsageException($"{name}: '{value}' is not a number {(allowZero ? ">= 0" : "> 0")}");
}

/// <summary>The command line is wrong; the message says how, for the operator.</summary>
internal sealed class UsageException(string message) : Exception(message);
