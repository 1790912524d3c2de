using Collector.Protocol.Telemetry.V1;
using Collector.Tests.Infrastructure;
using static Collector.Tests.Forwarder.EdgeToCoreTests;

namespace Collector.Tests.Forwarder;

/// <summary>
/// Metric points and spans over our own Stream, edge to core as real processes with real logs on disk: they travel as
/// the bytes the edge's log holds, so they arrive exactly once with the edge on their provenance path and the nested
/// MetricPoint / TraceSpan as sent. Checked in the core's durable log, independent of what the core stores them in.
/// </summary>
public sealed class EdgeToCoreSignalTests : IDisposable
{
    private const int Sources = 2;
    private const int PerSource = 3_000;
    private const int BatchSize = 100;
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(120);

    private readonly EdgeAndCore _pair = new();

    public void Dispose() => _pair.Dispose();

    [Fact]
    public async Task CoreDownWhileEdgeTakesMetricsAndSpans_CoreStarts_EachArrivesOnceAsSent()
    {
        var sent = Enumerable.Range(0, Sources).ToDictionary(s => $"signal-source-{s}", s => Batches($"signal-source-{s}"));
        using var edge = await _pair.StartEdgeAsync();
        var accepted = await Task.WhenAll(sent.Values.Select(batches => EventStreamer.SendBatchesAsync(edge.GrpcUri, batches)));
        Assert.Equal(Sources * PerSource, accepted.Sum());

        // The core is away: the edge holds everything and counts its failed attempts.
        await edge.WaitForHealthAsync(
            h => ForwarderOf(h).GetProperty("failures").EnumerateObject().Any() && ForwarderOf(h).GetProperty("backlog_entries").GetInt64() > 0,
            TimeSpan.FromSeconds(30),
            "failed connection attempts counted");

        using (var core = await _pair.StartCoreAsync())
        {
            var drained = await edge.WaitForHealthAsync(
                h => ForwarderOf(h).GetProperty("backlog_entries").GetInt64() == 0 && ForwarderOf(h).GetProperty("backlog_bytes").GetInt64() == 0,
                DrainTimeout,
                "edge backlog drained");
            Assert.Equal(Sources * PerSource, ForwarderOf(drained).GetProperty("events_forwarded").GetInt64());
            Assert.Equal(0, ForwarderOf(drained).GetProperty("rejected").GetInt64());
            var ingest = (await core.HealthAsync()).GetProperty("ingest");
            Assert.Equal(Sources * PerSource, ingest.GetProperty("accepted").GetInt64());
            Assert.Equal(0, ingest.GetProperty("rejected").GetInt64());
            await core.StopAsync();
        }

        var stored = await LogContents.ReadDirectoryAsync(_pair.CoreData);
        Assert.Equal(Sources * PerSource, stored.Count);
        foreach (var source in stored.GroupBy(e => e.SourceId))
        {
            // Exactly once and in order: 1..PerSource, each once, ascending.
            Assert.Equal(Enumerable.Range(1, PerSource).Select(i => (ulong)i), source.Select(e => e.Sequence));
            var expected = sent[source.Key].SelectMany(b => b.Events).ToList();
            var i = 0;
            foreach (var arrived in source)
            {
                var evt = arrived.Event;
                Assert.Equal(["edge-1"], evt.Provenance.Path);
                Assert.Equal("edge-1", evt.Provenance.Origin);
                Assert.Equal(expected[i].SignalCase, evt.SignalCase);
                Assert.Equal(expected[i].Metric, evt.Metric);
                Assert.Equal(expected[i].Span, evt.Span);

                // Everything else as sent too: only the hop's provenance was added.
                var withoutHop = evt.Clone();
                withoutHop.Provenance = null;
                Assert.Equal(expected[i], withoutHop);
                i++;
            }
        }

        Assert.Equal(Sources, stored.Select(e => e.SourceId).Distinct().Count());
        Assert.Equal(Sources * PerSource / 6, stored.Count(e => e.Event.SignalCase == Event.SignalOneofCase.Span));
        Assert.All(SignalEvents.Kinds, kind => Assert.Contains(stored, e => e.Event.Metric?.Kind == kind));
    }

    private static List<EventBatch> Batches(string sourceId) =>
        Enumerable.Range(0, PerSource / BatchSize)
            .Select(b => SignalEvents.Batch(sourceId, (ulong)(b * BatchSize) + 1, BatchSize, b * BatchSize))
            .ToList();
}
