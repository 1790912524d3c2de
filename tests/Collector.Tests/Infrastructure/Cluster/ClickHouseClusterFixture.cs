using System.Diagnostics.CodeAnalysis;

namespace Collector.Tests.Infrastructure.Cluster;

/// <summary>
/// One 2-shard × 2-replica cluster (with its ZooKeeper) for every test class in the "clickhouse-cluster" collection;
/// each test uses its own database, made ON CLUSTER. Starting it costs a few seconds once per test run.
/// </summary>
public sealed class ClickHouseClusterFixture : IAsyncLifetime
{
    private ClickHouseCluster? _cluster;

    internal ClickHouseCluster Cluster => _cluster ?? throw new InvalidOperationException("the fixture is not initialized");

    public async Task InitializeAsync() => _cluster = await ClickHouseCluster.StartAsync();

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}

[CollectionDefinition("clickhouse-cluster")]
[SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "An xunit test collection definition.")]
public sealed class ClickHouseClusterCollection : ICollectionFixture<ClickHouseClusterFixture>;
