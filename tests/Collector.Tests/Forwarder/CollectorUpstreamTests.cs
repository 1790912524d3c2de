using Collector.Forwarder;
using Collector.Tests.Infrastructure;

namespace Collector.Tests.Forwarder;

/// <summary>
/// The collector upstream on its own against a real collector (in process, real Kestrel and log): runs spread over
/// the session's streams and acknowledged in order, a resend absorbed by the upstream's dedup, headers on every
/// stream, and the failure reasons the forwarder counts.
/// </summary>
public sealed class CollectorUpstreamTests : IDisposable
{
    private const string Key = "forwarder-0123456789abcdef";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task SendAsync_SourcesOverFourStreamsThenResent_AcceptedOnceThenDuplicates()
    {
        await using var core = await InProcessCollector.StartAsync(_data.Path);
        using var upstream = Upstream(core.GrpcUri);
        using var timeout = new CancellationTokenSource(Timeout);
        var batches = Enumerable.Range(0, 8).Select(b => Batch(sources: 6, first: (ulong)(b * 50) + 1, events: 50)).ToList();

        var first = await DeliverAllAsync(upstream, batches, timeout.Token);
        var again = await DeliverAllAsync(upstream, batches, timeout.Token);

        Assert.All(first, r => Assert.Equal((6 * 50, 0, 0), (r.Accepted, r.Duplicates, r.Rejected)));
        Assert.All(again, r => Assert.Equal((0, 6 * 50, 0), (r.Accepted, r.Duplicates, r.Rejected)));
    }

    [Fact]
    public async Task SendAsync_KeyedCollector_RightKeyOnEveryStreamDelivered_WrongKeyUnauthenticated()
    {
        await using var core = await InProcessCollector.StartAsync(_data.Path, new Dictionary<string, string?>
        {
            ["Collector:ApiKeys:0:Name"] = "edge",
            ["Collector:ApiKeys:0:Role"] = "ingest",
            ["Collector:ApiKeys:0:Key"] = Key,
        });
        using var keyed = Upstream(core.GrpcUri, "Bearer " + Key);
        using var wrong = Upstream(core.GrpcUri, "Bearer not-" + Key);
        using var timeout = new CancellationTokenSource(Timeout);

        // Six sources over four streams: a stream without the header would fail the batch.
        var delivered = await DeliverAllAsync(keyed, [Batch(sources: 6, first: 1, events: 10)], timeout.Token);
        var refused = await Assert.ThrowsAsync<UpstreamException>(() => DeliverAllAsync(wrong, [Batch(sources: 6, first: 1, events: 10)], timeout.Token));

        Assert.Equal(60, Assert.Single(delivered).Accepted);
        Assert.Equal("unauthenticated", refused.Reason);
    }

    [Fact]
    public async Task ConnectAsync_NothingListening_UnavailableBeforeAnyBatch()
    {
        using var upstream = Upstream(new Uri($"http://127.0.0.1:{FreePort.Next()}"));
        using var timeout = new CancellationTokenSource(Timeout);

        var failure = await Assert.ThrowsAsync<UpstreamException>(() => upstream.ConnectAsync(timeout.Token));

        Assert.Equal("unavailable", failure.Reason);
        Assert.StartsWith("upstream answered Unavailable: transport failure: ", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectAsync_CancelledWhileConnecting_Cancelled()
    {
        using var upstream = Upstream(new Uri($"http://127.0.0.1:{FreePort.Next()}"));

        var failure = await Assert.ThrowsAsync<UpstreamException>(() => upstream.ConnectAsync(new CancellationToken(canceled: true)));

        Assert.Equal("cancelled", failure.Reason);
    }

    private static CollectorUpstream Upstream(Uri address, string? authorization = null) => new(new ForwarderOptions
    {
        UpstreamUrl = address,
        NodeId = "edge-1",
        Streams = 4,
        Headers = authorization is null
            ? new Dictionary<string, string>(StringComparer.Ordinal)
            : new Dictionary<string, string>(StringComparer.Ordinal) { ["authorization"] = authorization },
    });

    /// <summary>One session: every batch written before any Ack is awaited, as the forwarder's window does.</summary>
    private static async Task<List<DeliveryResult>> DeliverAllAsync(CollectorUpstream upstream, IReadOnlyList<ForwardBatch> batches, CancellationToken cancellationToken)
    {
        await using var session = await upstream.ConnectAsync(cancellationToken);
        var pending = new List<Task<DeliveryResult>>();
        foreach (var batch in batches)
        {
            pending.Add(await session.SendAsync(batch, cancellationToken));
        }

        var results = new List<DeliveryResult>();
        foreach (var delivery in pending)
        {
            results.Add(await delivery.WaitAsync(cancellationToken));
        }

        return results;
    }

    private static ForwardBatch Batch(int sources, ulong first, int events)
    {
        var batch = new ForwardBatch();
        for (var s = 0; s < sources; s++)
        {
            var run = new SourceRun($"upstream-source-{s}", first);
            run.Events.AddRange(Events.Batch(run.SourceId, first, events).Events);
            batch.Runs.Add(run);
        }

        return batch;
    }
}
