using System.Globalization;

namespace Collector.Bench.OtlpLoad;

/// <summary>What to send: one signal's OTLP/gRPC exports, closed loop, for a time; see <see cref="Usage"/>.</summary>
internal sealed record OtlpLoadOptions
{
    public const string Usage = """
        Collector.Bench.OtlpLoad: OTLP/gRPC exports of one signal, closed loop (each caller sends its next request when
        the last is answered), against a collector; prints JSON: items/s acknowledged, request latency, the collector's
        CPU per item, and with --clickhouse-url the rows stored and the time until the last one was.

          --target URL             the collector's gRPC url (default http://127.0.0.1:4317)
          --signal NAME            logs | metrics | traces (default metrics)
          --items N                log records, data points or spans per request (default 100)
          --callers N              requests in flight (default 4)
          --duration S             seconds of sending (default 10)
          --collector-pid PID      count that process's CPU while sending
          --clickhouse-url URL     after sending, wait until ClickHouse has every acknowledged item
          --clickhouse-database DB (default telemetry)
        """;

    public Uri Target { get; init; } = new("http://127.0.0.1:4317");

    public string Signal { get; init; } = "metrics";

    public int Items { get; init; } = 100;

    public int Callers { get; init; } = 4;

    public double Duration { get; init; } = 10;

    public int? CollectorPid { get; init; }

    public Uri? ClickHouse { get; init; }

    public string Database { get; init; } = "telemetry";

    public static OtlpLoadOptions Parse(string[] args)
    {
        var options = new OtlpLoadOptions();
        for (var i = 0; i < args.Length; i += 2)
        {
            if (i + 1 >= args.Length)
            {
                throw new ArgumentException($"{args[i]} needs a value", nameof(args));
            }

            var value = args[i + 1];
            options = args[i] switch
            {
                "--target" => options with { Target = new Uri(value) },
                "--signal" when value is "logs" or "metrics" or "traces" => options with { Signal = value },
                "--items" => options with { Items = Positive(args[i], value) },
                "--callers" => options with { Callers = Positive(args[i], value) },
                "--duration" => options with { Duration = double.Parse(value, CultureInfo.InvariantCulture) },
                "--collector-pid" => options with { CollectorPid = Positive(args[i], value) },
                "--clickhouse-url" => options with { ClickHouse = new Uri(value) },
                "--clickhouse-database" => options with { Database = value },
                _ => throw new ArgumentException($"unknown option or value: {args[i]} {value}", nameof(args)),
            };
        }

        return options;
    }

    private static int Positive(string name, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number > 0
            ? number
            : throw new ArgumentException($"{name} must be a positive whole number (was '{value}')", nameof(value));
}
