using System.Diagnostics;
using Collector.Tests.Infrastructure;

namespace Collector.Tests.GeneratedClient;

/// <summary>
/// samples/GeneratedClient (Stream, then Send, through the client Grpc.Tools generates from our proto) run as its own
/// process against a real collector process; what the collector's log holds afterwards is the proof.
/// </summary>
public sealed class GeneratedClientSampleTests : IDisposable
{
    private const string Source = "generated-sample-1";
    private const string Key = "k-generated-sample";
    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Sample_StreamThenSendTwice_EveryEventDurableExactlyOnce()
    {
        var environment = new Dictionary<string, string>
        {
            ["Collector__ApiKeys__0__Name"] = "sample",
            ["Collector__ApiKeys__0__Role"] = "ingest",
            ["Collector__ApiKeys__0__Key"] = Key,
        };
        using var collector = await CollectorProcess.StartAsync(_data.Path, environment);
        string[] args = ["--collector-url", collector.GrpcUri.ToString(), "--source-id", Source, "--batches", "20", "--events-per-batch", "50"];

        var first = await RunSampleAsync([.. args, "--api-key", Key]);
        var again = await RunSampleAsync([.. args, "--api-key", Key]);
        var keyless = await RunSampleAsync(args);

        Assert.True(first.ExitCode == 0, first.Output);
        Assert.Contains("stream: batches=20 accepted=1000 duplicates=0 rejected=0 durable_through=1000 complete=True", first.Output, StringComparison.Ordinal);
        Assert.Contains("send: batches=1 accepted=50 duplicates=0 rejected=0 durable_through=1050 complete=True", first.Output, StringComparison.Ordinal);
        // The same sequences again: acknowledged as duplicates, not stored twice.
        Assert.True(again.ExitCode == 0, again.Output);
        Assert.Contains("stream: batches=20 accepted=0 duplicates=1000 rejected=0 durable_through=1050 complete=True", again.Output, StringComparison.Ordinal);
        Assert.Contains("send: batches=1 accepted=0 duplicates=50 rejected=0 durable_through=1050 complete=True", again.Output, StringComparison.Ordinal);
        // Our status reaches the generated client as an RpcException.
        Assert.True(keyless.ExitCode == 1, keyless.Output);
        Assert.Contains("the collector refused the call: Unauthenticated:", keyless.Output, StringComparison.Ordinal);

        await collector.StopAsync();
        var stored = await LogContents.ReadDirectoryAsync(_data.Path);
        Assert.Equal(Enumerable.Range(1, 1050).Select(i => (ulong)i), stored.Select(e => e.Sequence).Order());
        Assert.All(stored, e =>
        {
            Assert.Equal(Source, e.SourceId);
            Assert.Equal("THOUGHT_LATENCY", e.Event.EventType);
            Assert.Equal("generated-client-sample", e.Event.Service);
            // Each event at the sequence the sample gave it, with the receive time stamped for its 0.
            Assert.Equal(e.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Event.Attributes["sequence"]);
            Assert.NotEqual(0ul, e.Event.TimeUnixNano);
        });
    }

    [Fact]
    public async Task Sample_BadCommandLine_ExitCode2WithUsage()
    {
        var result = await RunSampleAsync(["--batches", "many"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("bad option: --batches many", result.Output, StringComparison.Ordinal);
        Assert.Contains("usage: GeneratedClient", result.Output, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Output)> RunSampleAsync(string[] args)
    {
        var dll = RepoPaths.SampleDll("GeneratedClient");
        Assert.True(File.Exists(dll), $"build the sample first: {dll}");
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = Path.GetDirectoryName(dll)! };
        start.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var sample = new ChildProcess(start);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await sample.Process.WaitForExitAsync(timeout.Token);
        return (sample.Process.ExitCode, sample.Output);
    }
}
