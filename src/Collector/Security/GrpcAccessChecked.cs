namespace Collector.Host.Security;

/// <summary>
/// Marks a gRPC call whose access the gRPC listener checked against the gRPC table before handing it on to routing
/// (health and reflection), so the HTTP listener's gate lets it pass instead of applying the HTTP table to it.
/// </summary>
public sealed class GrpcAccessChecked
{
    public static readonly GrpcAccessChecked Instance = new();

    private GrpcAccessChecked()
    {
    }
}
