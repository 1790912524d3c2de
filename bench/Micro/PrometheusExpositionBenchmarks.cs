using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;
using Collector.Host.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace Collector.Bench.Micro;

/// <summary>
/// One /metrics scrape of the full metric set: PrometheusExporter.Collect (read every observable instrument, write
/// every family in the text format) into a reused buffer, the work of MetricsEndpoint without the HTTP around it. The
/// instruments are those of a running collector with ClickHouse and an upstream configured (<see cref="RunningCollector"/>),
/// after real gRPC and HTTP traffic. Baseline: copying the same exposition's bytes into the same buffer, the least a
/// scrape of this size costs.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class PrometheusExpositionBenchmarks
{
    // Families a complete exposition must hold: ingest, requests, ack latency, log, ClickHouse side, forwarder.
    private static readonly string[] ExpectedFamilies =
    [
        "collector_events_received_total", "collector_requests_total", "collector_ack_latency_seconds_bucket",
        "collector_log_commit_duration_seconds_bucket", "collector_clickhouse_errors_total", "collector_forwarder_failures_total",
    ];

    private readonly ArrayBufferWriter<byte> _output = new(256 * 1024);
    private RunningCollector? _collector;
    private PrometheusExporter _exporter = null!;
    private byte[] _exposition = [];

    [GlobalSetup]
    public async Task Setup()
    {
        _collector = await RunningCollector.StartAsync();
        await _collector.DriveTrafficAsync();
        _exporter = _collector.App.Services.GetRequiredService<PrometheusExporter>();
        Scrape();
        _exposition = _output.WrittenSpan.ToArray();
        var text = Encoding.UTF8.GetString(_exposition);
        if (ExpectedFamilies.FirstOrDefault(family => !text.Contains(family, StringComparison.Ordinal)) is { } missing)
        {
            throw new InvalidOperationException($"the exposition lacks {missing}:\n{text}");
        }

        Console.WriteLine($"// exposition: {_exposition.Length} bytes, {text.Count(c => c == '\n')} lines");
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        if (_collector is not null)
        {
            await _collector.DisposeAsync();
        }
    }

    [Benchmark(Baseline = true)]
    public int CopyExposition()
    {
        _output.ResetWrittenCount();
        _output.Write(_exposition);
        return _output.WrittenCount;
    }

    [Benchmark]
    public int Scrape()
    {
        _output.ResetWrittenCount();
        _exporter.Collect(_output);
        return _output.WrittenCount;
    }
}
