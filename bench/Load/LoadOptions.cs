using System.Globalization;

namespace Collector.Bench.Load;

/// <summary>What the load run does; parsed from --name value pairs.</summary>
internal sealed record LoadOptions
{
    public Uri Target { get; init; } = new("http://127.0.0.1:4317");

    public int Streams { get; init; } = 4;

    public int BatchSize { get; init; } = 500;

    /// <summary>Events in total across all streams.</summary>
    public long Events { get; init; } = 1_000_000;

    /// <summary>Offered events per second across all streams; 0 = as fast as acks allow (closed loop).</summary>
    public double Rate { get; init; }

    /// <summary>Batches a stream may have unacknowledged in closed-loop mode.</summary>
    public int Window { get; init; } = 8;

    public int Attributes { get; init; } = 3;

    /// <summary>ClickHouse's HTTP url, to measure ack-to-visible freshness; none skips it.</summary>
    public Uri? ClickHouse { get; init; }

    public string Database { get; init; } = "telemetry";

    public static LoadOptions Parse(string[] args)
    {
        var options = new LoadOptions();
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            var value = args[i + 1];
            options = args[i] switch
            {
                "--target" => options with { Target = new Uri(value) },
                "--streams" => options with { Streams = int.Parse(value, CultureInfo.InvariantCulture) },
                "--batch" => options with { BatchSize = int.Parse(value, CultureInfo.InvariantCulture) },
                "--events" => options with { Events = long.Parse(value, CultureInfo.InvariantCulture) },
                "--rate" => options with { Rate = double.Parse(value, CultureInfo.InvariantCulture) },
                "--window" => options with { Window = int.Parse(value, CultureInfo.InvariantCulture) },
                "--attributes" => options with { Attributes = int.Parse(value, CultureInfo.InvariantCulture) },
                "--clickhouse-url" => options with { ClickHouse = new Uri(value) },
                "--clickhouse-database" => options with { Database = value },
                _ => throw new ArgumentException($"unknown option {args[i]}", nameof(args)),
            };
        }

        return options;
    }
}
