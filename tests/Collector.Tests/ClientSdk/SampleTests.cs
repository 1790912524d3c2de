using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Collector.Tests.Infrastructure;

namespace Collector.Tests.ClientSdk;

/// <summary>samples/InferenceService, built and run as its own process against a real collector process.</summary>
public sealed class SampleTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task InferenceService_LoadsAndGenerations_EveryEventReachesTheCollector()
    {
        using var collector = await CollectorProcess.StartAsync(_data.Path);
        using var sample = await SampleProcess.StartAsync(collector.GrpcUri);
        using var http = new HttpClient { BaseAddress = sample.Uri, Timeout = TimeSpan.FromSeconds(10) };

        // Two loads (one LOAD_LATENCY each), three generations (TOKENIZE + THOUGHT_LATENCY each), one refused.
        foreach (var model in new[] { "llama3:8b", "gemma2:27b" })
        {
            using var load = await http.PostAsync(new Uri($"/models/{model}/load", UriKind.Relative), content: null);
            Assert.Equal(HttpStatusCode.OK, load.StatusCode);
        }

        for (var i = 0; i < 3; i++)
        {
            using var generate = await http.PostAsJsonAsync("/generate", new { model = "llama3:8b", prompt = "Why is the sky blue? Explain briefly.", maxTokens = 8 + i });
            Assert.Equal(HttpStatusCode.OK, generate.StatusCode);
            var body = await generate.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(8 + i, body.GetProperty("tokens_generated").GetInt32());
        }

        using (var unknown = await http.PostAsJsonAsync("/generate", new { model = "not-loaded", prompt = "hello" }))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        }

        const int Expected = 2 + (3 * 2);
        await collector.WaitForHealthAsync(h => h.GetProperty("ingest").GetProperty("accepted").GetInt64() >= Expected, Timeout, $"{Expected} events accepted");
        var stats = await WaitForStatsAsync(http, s => s.GetProperty("acknowledged").GetInt64() >= Expected);
        Assert.Equal(Expected, stats.GetProperty("logged").GetInt64());
        Assert.Equal(Expected, stats.GetProperty("acknowledged").GetInt64());
        Assert.Equal(0, stats.GetProperty("dropped").GetInt64());
        Assert.Equal(0, stats.GetProperty("buffered").GetInt64());
        Assert.True(stats.GetProperty("connected").GetBoolean());

        await sample.KillAsync();
        await collector.StopAsync();
        var stored = await LogContents.ReadDirectoryAsync(_data.Path);
        Assert.Equal(Expected, stored.Count);
        Assert.All(stored, e => Assert.Equal("inference-service", e.Event.Service));
        var byType = stored.GroupBy(e => e.Event.EventType).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        Assert.Equal(2, byType["LOAD_LATENCY"]);
        Assert.Equal(3, byType["TOKENIZE"]);
        Assert.Equal(3, byType["THOUGHT_LATENCY"]);
        Assert.Equal([8u, 9u, 10u], stored.Where(e => e.Event.EventType == "THOUGHT_LATENCY").Select(e => e.Event.TokensGenerated).Order());
    }

    private static async Task<JsonElement> WaitForStatsAsync(HttpClient http, Func<JsonElement, bool> condition)
    {
        var deadline = DateTime.UtcNow + Timeout;
        JsonElement last;
        do
        {
            last = await http.GetFromJsonAsync<JsonElement>("/telemetry/stats");
            if (condition(last))
            {
                return last;
            }

            await Task.Delay(50);
        }
        while (DateTime.UtcNow < deadline);

        Assert.Fail($"the sample's client did not get its acks in {Timeout.TotalSeconds} s; last stats: {last}");
        return last;
    }

    /// <summary>The sample as built next to the tests (same configuration).</summary>
    private sealed class SampleProcess(ChildProcess child, Uri uri) : IDisposable
    {
        public Uri Uri { get; } = uri;

        public static async Task<SampleProcess> StartAsync(Uri collectorGrpc)
        {
            var dll = RepoPaths.SampleDll("InferenceService");
            Assert.True(File.Exists(dll), $"build the sample first: {dll}");
            var uri = new Uri($"http://127.0.0.1:{FreePort.Next()}");
            var start = new ProcessStartInfo("dotnet") { WorkingDirectory = Path.GetDirectoryName(dll)! };
            start.ArgumentList.Add(dll);
            start.Environment["ASPNETCORE_URLS"] = uri.ToString();
            start.Environment["COLLECTOR_URL"] = collectorGrpc.ToString();
            var sample = new SampleProcess(new ChildProcess(start), uri);
            await sample.WaitReadyAsync();
            return sample;
        }

        /// <summary>Every event is acknowledged by now, so the sample can go without its shutdown flush.</summary>
        public Task KillAsync() => child.KillAsync();

        public void Dispose() => child.Dispose();

        private Task WaitReadyAsync() => child.WaitForHttpAsync(new Uri(Uri, "/telemetry/stats"), Timeout, "the sample");
    }
}
