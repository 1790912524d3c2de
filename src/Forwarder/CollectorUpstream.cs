using Collector.Protocol.Grpc;
using Collector.Protocol.Grpc.Client;
using Collector.Protocol.Telemetry;

namespace Collector.Forwarder;

/// <summary>Upstream kind 1: another collector, over one long-lived telemetry.v1.Collector/Stream per session.</summary>
public sealed class CollectorUpstream(GrpcClient client) : IUpstream
{
    private readonly CollectorClient _collector = new(client);

    public string Describe => $"collector {client.Options.Address}";

    public async Task<IUpstreamSession> ConnectAsync(CancellationToken cancellationToken)
    {
        var call = _collector.OpenStream(new GrpcCallOptions { CancellationToken = cancellationToken });
        try
        {
            // An unreachable upstream fails here, before any batch is handed over.
            await call.WaitForOpenAsync();
            return new CollectorUpstreamSession(call);
        }
        catch (GrpcStatusException ex)
        {
            await call.DisposeAsync();
            throw UpstreamFailures.From(ex);
        }
    }

    public void Dispose() => client.Dispose();
}
