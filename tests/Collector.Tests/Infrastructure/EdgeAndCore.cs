namespace Collector.Tests.Infrastructure;

/// <summary>
/// An edge collector forwarding to a core, as real processes, each with its own data dir: the core's ports are fixed
/// up front so the edge can be started (and restarted) before or without it. The upstream backoff is short so a test
/// does not wait out the production one.
/// </summary>
internal sealed class EdgeAndCore : IDisposable
{
    private readonly TempDirectory _edgeData = new();
    private readonly TempDirectory _coreData = new();
    private readonly int _coreGrpcPort = FreePort.Next();
    private readonly int _coreHttpPort = FreePort.Next();

    public string EdgeData => _edgeData.Path;

    public string CoreData => _coreData.Path;

    public Task<CollectorProcess> StartEdgeAsync(params string[] extra) =>
        CollectorProcess.StartAsync(_edgeData.Path, EdgeArgs(extra));

    /// <summary>The edge on new ports, not yet answering (a test that kills it during its start).</summary>
    public CollectorProcess LaunchEdge(params string[] extra) =>
        CollectorProcess.Launch(_edgeData.Path, EdgeArgs(extra));

    public Task<CollectorProcess> StartCoreAsync(params string[] extra) =>
        CollectorProcess.StartAsync(_coreData.Path, _coreGrpcPort, _coreHttpPort, ["--node-id", "core-1", .. extra]);

    public void Dispose()
    {
        _edgeData.Dispose();
        _coreData.Dispose();
    }

    private string[] EdgeArgs(string[] extra) =>
    [
        "--node-id", "edge-1",
        "--upstream-url", $"http://127.0.0.1:{_coreGrpcPort}",
        "--upstream-min-backoff-ms", "50",
        "--upstream-max-backoff-ms", "400",
        .. extra,
    ];
}
