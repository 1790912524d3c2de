using Collector.Protocol.Grpc;
using Collector.Protocol.Grpc.Client;
using Collector.Protocol.Telemetry;

namespace Collector.Forwarder;

/// <summary>Upstream kind 1: another collector, over one long-lived telemetry.v1.Collector/Stream per session.</summary>
public sealed class CollectorUpstream(GrpcClient client, int streams = 4) : IUpstream
{
    private readonly CollectorClient _collector = new(client);

    public string Describe => $"collector {client.Options.Address}";

    public async Task<IUpstreamSession> ConnectAsync(CancellationToken cancellationToken)
    {
        var calls = Enumerable.Range(0, streams).Select(_ => _collector.OpenStream(new GrpcCallOptions { CancellationToken = cancellationToken })).ToList();
        try
        {
            // An unreachable upstream fails here, before any batch is handed over.
            foreach (var call in calls)
            {
                await call.WaitForOpenAsync();
            }

            return new CollectorUpstreamSession(calls);
        }
        catch (GrpcStatusException ex)
        {
            foreach (var call in calls)
            {
                await call.DisposeAsync();
            }

            throw UpstreamFailures.From(ex);
        }
    }

    public void Dispose() => client.Dispose();
}
