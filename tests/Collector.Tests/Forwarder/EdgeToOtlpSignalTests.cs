using System.Globalization;
using System.Text.Json;
using Collector.Tests.Infrastructure;
using static Collector.Tests.Forwarder.EdgeToCoreTests;

namespace Collector.Tests.Forwarder;

/// <summary>
/// An edge collector process with <c>--upstream-kind otlp</c> and a real OTLP/gRPC peer (otlp_receiver.py): logs,
/// metric points and spans taken while the endpoint is unreachable all arrive once it is up (at least once, none lost).
/// </summary>
public sealed class EdgeToOtlpSignalTests : IDisposable
{
    private const int Logs = 600;
    private const int Signals = 1_200;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);
    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task EndpointUnreachable_ThenUp_EveryRecordPointAndSpanArrives()
    {
        var port = FreePort.Next();
        using var edge = await CollectorProcess.StartAsync(
            Path.Combine(_data.Path, "edge"),
            "--node-id", "edge-otlp",
            "--upstream-url", $"http://127.0.0.1:{port}",
            "--upstream-kind", "otlp",
            "--upstream-batch-events", "250",
            "--upstream-min-backoff-ms", "50",
            "--upstream-max-backoff-ms", "400");
        await SendLogsAndSignalsAsync(edge);
        await edge.WaitForHealthAsync(h => ForwarderOf(h).GetProperty("failures").EnumerateObject().Any(), TimeSpan.FromSeconds(30), "failed attempts counted");

        await using var receiver = await OtlpReceiverProcess.StartAsync("--port", port.ToString(CultureInfo.InvariantCulture));
        var drained = await edge.WaitForHealthAsync(
            h => ForwarderOf(h).GetProperty("backlog_entries").GetInt64() == 0 && ForwarderOf(h).GetProperty("backlog_bytes").GetInt64() == 0,
            Timeout,
            "edge drained");
        Assert.True(ForwarderOf(drained).GetProperty("events_forwarded").GetInt64() >= Logs + Signals);
        Assert.Equal(0, ForwarderOf(drained).GetProperty("rejected").GetInt64());

        // At least once: everything is there; a resend after a failure may have stored some twice.
        var records = receiver.ReadRecords();
        Assert.Equal(Enumerable.Range(1, Logs).Select(i => (long)i), records.Select(r => r.GetProperty("attributes").GetProperty("telemetry.sequence").GetInt64()).Distinct().Order());
        var points = receiver.ReadPoints();
        var spans = receiver.ReadSpans();
        var arrived = points.Concat(spans).Select(N).Distinct().Order();
        Assert.Equal(Enumerable.Range(0, Signals), arrived);
        Assert.Equal(Signals / 6, spans.Select(N).Distinct().Count());
        Assert.All(points.Concat(spans), line =>
        {
            Assert.Equal("signal-source", line.GetProperty("attributes").GetProperty("telemetry.source.id").GetString());
            Assert.Equal(["edge-otlp"], line.GetProperty("attributes").GetProperty("telemetry.provenance.path").EnumerateArray().Select(e => e.GetString()));
            Assert.Equal("edge-otlp", line.GetProperty("resource").GetProperty("collector.node.id").GetString());
        });
        Assert.Equal(["exponential_histogram", "gauge", "histogram", "sum", "summary"], points.Select(p => p.GetProperty("kind").GetString()).Distinct().Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task LogsOnlyEndpoint_WithUpstreamSignalsLogs_LogsArriveAndTheRestIsSkippedAndCounted()
    {
        // A real logs-only endpoint: metrics and trace Exports answer UNIMPLEMENTED.
        await using var receiver = await OtlpReceiverProcess.StartAsync("--services", "logs");
        using var edge = await CollectorProcess.StartAsync(
            Path.Combine(_data.Path, "edge"),
            "--node-id", "edge-logs-only",
            "--upstream-url", receiver.Endpoint.ToString(),
            "--upstream-kind", "otlp",
            "--upstream-signals", "logs",
            "--upstream-batch-events", "250");
        await SendLogsAndSignalsAsync(edge);

        var drained = await edge.WaitForHealthAsync(
            h => ForwarderOf(h).GetProperty("backlog_entries").GetInt64() == 0 && ForwarderOf(h).GetProperty("backlog_bytes").GetInt64() == 0,
            Timeout,
            "edge drained past the signals the endpoint does not take");
        Assert.Empty(ForwarderOf(drained).GetProperty("failures").EnumerateObject());
        Assert.Equal(Enumerable.Range(1, Logs).Select(i => (long)i), receiver.ReadRecords().Select(r => r.GetProperty("attributes").GetProperty("telemetry.sequence").GetInt64()).Distinct().Order());
        Assert.Empty(receiver.ReadPoints());
        Assert.Empty(receiver.ReadSpans());

        using var http = new HttpClient();
        var metrics = new Metrics.ScrapedMetrics(await http.GetStringAsync(new Uri(edge.HttpUri, "/metrics")));
        var spans = Signals / 6;
        Assert.Equal(spans, metrics.Value("collector_forwarder_skipped_events_total", "signal=traces"));
        Assert.Equal(Signals - spans, metrics.Value("collector_forwarder_skipped_events_total", "signal=metrics"));
    }

    /// <summary>Logs records from "log-source" and metric points and spans from "signal-source", every one acknowledged.</summary>
    private static async Task SendLogsAndSignalsAsync(CollectorProcess edge)
    {
        var signals = Enumerable.Range(0, Signals / 100).Select(b => SignalEvents.Batch("signal-source", (ulong)(b * 100) + 1, 100, b * 100)).ToList();
        var sent = await Task.WhenAll(
            EventStreamer.SendAsync(edge.GrpcUri, "log-source", 1, Logs, batchSize: 100),
            EventStreamer.SendBatchesAsync(edge.GrpcUri, signals));
        Assert.Equal(Logs + Signals, sent.Sum());
    }

    private static int N(JsonElement line) => int.Parse(line.GetProperty("attributes").GetProperty("n").GetString()!, CultureInfo.InvariantCulture);
}
