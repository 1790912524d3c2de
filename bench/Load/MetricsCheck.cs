using System.Diagnostics;
using System.Net.Http.Headers;

namespace Collector.Bench.Load;

/// <summary>The collector's own gRPC ingest counters, as /metrics shows them.</summary>
internal readonly record struct IngestTotals(long Accepted, long Duplicates, long Rejected)
{
    public static IngestTotals operator -(IngestTotals after, IngestTotals before) =>
        new(after.Accepted - before.Accepted, after.Duplicates - before.Duplicates, after.Rejected - before.Rejected);

    public IngestTotals Subtract(IngestTotals before) => this - before;
}

/// <summary>The outcome of comparing the collector's counter deltas with what the tool counted in Acks.</summary>
internal sealed record MetricsComparison(IngestTotals Collector, IngestTotals Tool)
{
    public bool Agrees => Collector == Tool;
}

/// <summary>
/// Reads collector_events_received_total{protocol="grpc"} by outcome before and after the run. The collector
/// counts a batch before it writes its Ack, so the deltas must equal the tool's Ack totals exactly, provided
/// nothing else sends to the collector meanwhile.
/// </summary>
internal sealed class MetricsCheck(Uri collectorHttp, string? apiKey) : IDisposable
{
    public const string EventsReceived = "collector_events_received_total";

    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    public async Task<IngestTotals> ReadAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(collectorHttp, "/metrics"));
        if (apiKey is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }

        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"GET {request.RequestUri} answered {(int)response.StatusCode}: {text}");
        }

        var samples = PrometheusText.Parse(text);
        if (!samples.Exists(s => string.Equals(s.Name, EventsReceived, StringComparison.Ordinal)))
        {
            throw new InvalidDataException($"GET {request.RequestUri} has no {EventsReceived}");
        }

        long Outcome(string outcome) => (long)PrometheusText.Sum(samples, EventsReceived, ("protocol", "grpc"), ("outcome", outcome));
        return new IngestTotals(Outcome("accepted"), Outcome("duplicate"), Outcome("rejected"));
    }

    /// <summary>Compares after the run; reads again for up to a second while the collector's counts are still behind the tool's.</summary>
    public async Task<MetricsComparison> CompareAsync(IngestTotals before, IngestTotals tool)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            var delta = (await ReadAsync()).Subtract(before);
            var behind = delta.Accepted < tool.Accepted || delta.Duplicates < tool.Duplicates || delta.Rejected < tool.Rejected;
            if (!behind || waited.Elapsed > TimeSpan.FromSeconds(1))
            {
                return new MetricsComparison(delta, tool);
            }

            await Task.Delay(100);
        }
    }

    public void Dispose() => _http.Dispose();
}
