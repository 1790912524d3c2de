using Collector.Storage.ClickHouse;

namespace Collector.Tests.Infrastructure.Cluster;

/// <summary>
/// A ClickHouse cluster on loopback for tests: one ZooKeeper and <c>shards × replicas</c> clickhouse-server processes
/// (Debian's 18.16), each with its own directory and ports, all in one <c>remote_servers</c> cluster. Every port is
/// chosen before the first node starts; the nodes then start in parallel. Nodes can be killed and restarted on the
/// same directory and ports, as a replica that dies and comes back.
/// </summary>
internal sealed class ClickHouseCluster : IAsyncDisposable
{
    public const string Name = "collector_test";

    private readonly ZooKeeperServer _zooKeeper;
    private readonly ClickHouseServer[][] _nodes;

    private ClickHouseCluster(ZooKeeperServer zooKeeper, ClickHouseServer[][] nodes)
    {
        _zooKeeper = zooKeeper;
        _nodes = nodes;
    }

    public int Shards => _nodes.Length;

    public int Replicas => _nodes[0].Length;

    public IEnumerable<ClickHouseServer> AllNodes => _nodes.SelectMany(shard => shard);

    internal ZooKeeperServer ZooKeeper => _zooKeeper;

    public static async Task<ClickHouseCluster> StartAsync(int shards = 2, int replicas = 2)
    {
        var zooKeeper = await ZooKeeperServer.StartAsync();
        try
        {
            var ports = Enumerable.Range(0, shards)
                .Select(_ => Enumerable.Range(0, replicas).Select(_ => (Http: FreePort.Next(), Tcp: FreePort.Next(), Interserver: FreePort.Next())).ToArray())
                .ToArray();
            IReadOnlyList<IReadOnlyList<int>> shardTcpPorts = ports.Select(shard => (IReadOnlyList<int>)shard.Select(p => p.Tcp).ToList()).ToList();
            var starts = ports.Select((shard, s) => shard.Select((p, r) => ClickHouseServer.StartAsync(
                clusterNode: new ClusterNodeConfig(Name, s + 1, r + 1, p.Http, p.Tcp, p.Interserver, zooKeeper.Port, shardTcpPorts))).ToArray()).ToArray();
            await Task.WhenAll(starts.SelectMany(shard => shard));
            var cluster = new ClickHouseCluster(zooKeeper, starts.Select(shard => shard.Select(start => start.Result).ToArray()).ToArray());
            await cluster.WaitUntilEveryNodeSeesZooKeeperAsync();
            return cluster;
        }
        catch
        {
            zooKeeper.Dispose();
            throw;
        }
    }

    /// <summary>The node of <paramref name="shard"/> and <paramref name="replica"/>, both 1-based as in the macros.</summary>
    public ClickHouseServer Node(int shard, int replica) => _nodes[shard - 1][replica - 1];

    /// <summary>
    /// A fresh database on every node (<c>t_</c> + a GUID, made ON CLUSTER) and a client on the first node whose
    /// unqualified names resolve in it.
    /// </summary>
    public async Task<ClickHouseClient> CreateDatabaseAsync()
    {
        var client = Node(1, 1).CreateClient($"t_{Guid.NewGuid():N}");
        await client.ExecuteAsync($"CREATE DATABASE {client.Database} ON CLUSTER {Name}", useDatabase: false);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in AllNodes)
        {
            await node.DisposeAsync();
        }

        _zooKeeper.Dispose();
    }

    private async Task WaitUntilEveryNodeSeesZooKeeperAsync()
    {
        foreach (var node in AllNodes)
        {
            using var client = node.CreateClient("system");
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (true)
            {
                try
                {
                    await client.QueryAsync("SELECT name FROM system.zookeeper WHERE path = '/'");
                    break;
                }
                catch (ClickHouseException) when (DateTime.UtcNow < deadline)
                {
                    // Its ZooKeeper session is not up yet.
                    await Task.Delay(200);
                }
            }
        }
    }
}
