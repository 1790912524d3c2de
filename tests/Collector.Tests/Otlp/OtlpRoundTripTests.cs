using Collector.Protocol.Telemetry.V1;
using Collector.Tests.Forwarder;
using Collector.Tests.Infrastructure;

namespace Collector.Tests.Otlp;

/// <summary>An edge forwarding as OTLP (--upstream-kind otlp) to a core's OTLP/gRPC receiver: events arrive equal, plus the edge's hop.</summary>
public sealed class OtlpRoundTripTests : IAsyncLifetime
{
    private const string EdgeNode = "edge-otlp";
    private readonly TempDirectory _data = new();
    private InProcessCollector _core = null!;
    private InProcessCollector _edge = null!;

    public async Task InitializeAsync()
    {
        _core = await InProcessCollector.StartAsync(Path.Combine(_data.Path, "core"), new Dictionary<string, string?> { ["Collector:NodeId"] = "core-1" });
        _edge = await InProcessCollector.StartAsync(Path.Combine(_data.Path, "edge"), new Dictionary<string, string?>
        {
            ["Collector:NodeId"] = EdgeNode,
            ["Collector:UpstreamUrl"] = _core.GrpcUri.ToString(),
            ["Collector:UpstreamKind"] = "otlp",
        });
    }

    public async Task DisposeAsync()
    {
        await _edge.DisposeAsync();
        await _core.DisposeAsync();
        _data.Dispose();
    }

    [Fact]
    public async Task ForwardedAsOtlp_CoreStoresEqualEvents()
    {
        var full = OtlpLogMapperTests.FullEvent();
        full.Provenance.Path.Remove("edge-7");
        var plain = new Event { TimeUnixNano = 42, EventType = "HEARTBEAT", Message = "beat", Service = "checkout", Severity = Severity.Debug, Attributes = { ["k"] = "v" } };
        var batch = new EventBatch { SourceId = "device-1", FirstSequence = 1, Events = { full, plain } };

        var ack = await _edge.CreateClient().SendAsync(batch);
        Assert.Equal(2u, ack.Accepted);
        var stored = await WaitForEventsAsync(2);

        var expectedFull = full.Clone();
        expectedFull.Provenance.Path.Add(EdgeNode);
        var expectedPlain = plain.Clone();
        expectedPlain.Provenance = new Provenance { Origin = EdgeNode, Path = { EdgeNode } };
        Assert.Equal([expectedFull, expectedPlain], stored.Select(e => e.Event));
        Assert.All(stored, e => Assert.Equal(("device-1", 0ul), (e.SourceId, e.Sequence)));
    }

    [Fact]
    public async Task ForwardedAsOtlp_MetricPointsOfEveryKindAndSpans_CoreStoresEqualEvents()
    {
        var sent = Enumerable.Range(0, 12).Select(SignalEvents.Mixed).ToList();
        var batch = new EventBatch { SourceId = "gpu-node-1", FirstSequence = 1, Events = { sent } };

        var ack = await _edge.CreateClient().SendAsync(batch);
        Assert.Equal(12u, ack.Accepted);
        var stored = await WaitForEventsAsync(12);

        // Through MetricsService and TraceService and back: equal, plus the edge's hop (and the edge as origin where there was none).
        Assert.Equal(12, stored.Count);
        foreach (var original in sent)
        {
            var expected = original.Clone();
            expected.Provenance ??= new Provenance { Origin = EdgeNode };
            expected.Provenance.Path.Add(EdgeNode);
            var n = original.Attributes["n"];
            var arrived = Assert.Single(stored, e => e.Event.Attributes["n"] == n);
            Assert.Equal(expected, arrived.Event);
            Assert.Equal("gpu-node-1", arrived.SourceId);
        }
    }

    private async Task<List<StoredEvent>> WaitForEventsAsync(int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var stored = await LogContents.ReadAsync(_core.App.Log);
            if (stored.Count >= count || DateTime.UtcNow > deadline)
            {
                return stored;
            }

            await Task.Delay(50);
        }
    }
}
