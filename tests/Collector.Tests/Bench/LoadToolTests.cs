using System.Xml.Linq;
using Collector.Tests.Infrastructure;

namespace Collector.Tests.Bench;

/// <summary>Two collector processes for the load tool's tests: one takes the load, the other's /metrics must disagree with it.</summary>
public sealed class LoadToolCollectors : IAsyncLifetime
{
    private readonly TempDirectory _data = new("load-tool");

    internal CollectorProcess Target { get; private set; } = null!;

    internal CollectorProcess Other { get; private set; } = null!;

    internal string DataPath => _data.Path;

    public async Task InitializeAsync()
    {
        var target = CollectorProcess.StartAsync(Path.Combine(_data.Path, "target"));
        var other = CollectorProcess.StartAsync(Path.Combine(_data.Path, "other"));
        (Target, Other) = (await target, await other);
    }

    public Task DisposeAsync()
    {
        Target?.Dispose();
        Other?.Dispose();
        _data.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>
/// bench/Load against real collector processes, briefly: the outputs an operator reads are written and well-formed,
/// the tool's Ack counts agree with the collector's /metrics, and a disagreement is caught (exit code 3).
/// </summary>
public sealed class LoadToolTests(LoadToolCollectors collectors) : IClassFixture<LoadToolCollectors>
{
    private const int Rate = 2000;

    [Fact]
    public async Task Run_OpenLoopAgainstCollector_WritesSummaryAndChartAndAgreesWithMetrics()
    {
        var target = collectors.Target;

        var run = await LoadToolRun.RunAsync(
            OutputDirectory("dotnet"),
            "--target", target.GrpcUri.ToString(), "--rate", $"{Rate}", "--duration", "3", "--warm-up", "1", "--batch", "100",
            "--metrics-url", target.HttpUri.ToString(), "--collector-pid", $"{target.ProcessId}");

        Assert.True(run.ExitCode == 0, run.Describe());
        var summary = run.Summary;
        Assert.True(summary.GetProperty("collector_cpu_us_per_event").GetDouble() > 0, run.Describe());
        Assert.True(summary.GetProperty("collector_cpu_us_per_event_after_warm_up").GetDouble() > 0, run.Describe());
        var acked = summary.GetProperty("events_acked").GetInt64();
        Assert.True(acked >= Rate * 2, $"only {acked} events acked in 3 s at {Rate}/s\n{run.Describe()}");
        Assert.Equal(summary.GetProperty("events_sent").GetInt64(), acked);
        Assert.Equal(0, summary.GetProperty("errors").GetInt64());
        var check = summary.GetProperty("metrics_check");
        Assert.True(check.GetProperty("agrees").GetBoolean(), run.Describe());
        Assert.Equal(acked, check.GetProperty("collector_delta").GetProperty("accepted").GetInt64());
        Assert.True(summary.GetProperty("collector_peak_rss_bytes").GetInt64() > 10 * 1024 * 1024, "the collector's VmHWM was not read");
        Assert.True(summary.GetProperty("series").GetArrayLength() >= 3, run.Describe());
        Assert.True(summary.GetProperty("ack_latency_ms").GetProperty("p99").GetDouble() > 0, run.Describe());
        AssertChartAndTable(run);
        Assert.Contains("agrees with the Acks", File.ReadAllText(Path.Combine(run.OutputDirectory, "summary.md")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_MetricsOfAnotherCollector_ExitCode3AndSaysTheyDiffer()
    {
        var run = await LoadToolRun.RunAsync(
            OutputDirectory("mismatch"),
            "--target", collectors.Target.GrpcUri.ToString(), "--rate", $"{Rate}", "--duration", "1", "--batch", "100",
            "--metrics-url", collectors.Other.HttpUri.ToString(), "--quiet");

        Assert.True(run.ExitCode == 3, run.Describe());
        var check = run.Summary.GetProperty("metrics_check");
        Assert.False(check.GetProperty("agrees").GetBoolean());
        Assert.Equal(0, check.GetProperty("collector_delta").GetProperty("accepted").GetInt64());
        Assert.True(check.GetProperty("tool_acked").GetProperty("accepted").GetInt64() > 0, run.Describe());
        Assert.Contains("DIFFER", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_PythonPeer_SameLoadThroughGrpcioAgreesWithMetrics()
    {
        var target = collectors.Target;

        var run = await LoadToolRun.RunAsync(
            OutputDirectory("python"),
            "--python-peer", "--target", target.GrpcUri.ToString(), "--rate", $"{Rate}", "--duration", "2", "--batch", "100",
            "--connections", "2", "--streams", "1", "--metrics-url", target.HttpUri.ToString());

        Assert.True(run.ExitCode == 0, run.Describe());
        var summary = run.Summary;
        Assert.Equal("python3-grpcio", summary.GetProperty("client").GetString());
        var acked = summary.GetProperty("events_acked").GetInt64();
        Assert.True(acked >= Rate, $"only {acked} events acked in 2 s at {Rate}/s\n{run.Describe()}");
        Assert.Equal(summary.GetProperty("events_sent").GetInt64(), acked);
        Assert.Equal(acked, summary.GetProperty("ack_latency_ms").GetProperty("batches").GetInt64() * 100);
        Assert.True(summary.GetProperty("metrics_check").GetProperty("agrees").GetBoolean(), run.Describe());
        AssertChartAndTable(run);
    }

    [Fact]
    public async Task Run_UnknownOption_ExitCode2NamesIt()
    {
        var run = await LoadToolRun.RunAsync(OutputDirectory("usage"), "--rat", "5");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("unknown option --rat", run.Stderr, StringComparison.Ordinal);
    }

    private static void AssertChartAndTable(LoadToolRun run)
    {
        var chart = XDocument.Load(Path.Combine(run.OutputDirectory, "chart.svg"));
        XNamespace svg = "http://www.w3.org/2000/svg";
        Assert.Equal(svg + "svg", chart.Root!.Name);
        Assert.Equal(4, chart.Descendants(svg + "polyline").Count());
        Assert.Contains(chart.Descendants(svg + "text"), t => t.Value == "seconds since start");
        var table = File.ReadAllText(Path.Combine(run.OutputDirectory, "summary.md"));
        Assert.Contains("| ack latency p50 / p99 / p999 / max (ms, per batch) |", table, StringComparison.Ordinal);
        Assert.Contains("![throughput and ack latency over time](chart.svg)", table, StringComparison.Ordinal);
    }

    private string OutputDirectory(string name) => Path.Combine(collectors.DataPath, "out-" + name);
}
