using System.Globalization;
using System.Text;
using Collector.Storage.ClickHouse;
using Collector.Tests.Infrastructure;
using Collector.Tests.Infrastructure.Cluster;

namespace Collector.Tests.Cluster;

/// <summary>
/// The cluster fixture does what cluster tests will rely on: DDL ON CLUSTER reaches every node, a synchronous insert
/// through a Distributed table spreads rows over both shards and each shard's replicas copy them, and a replica killed
/// with SIGKILL comes back with every row its partner took meanwhile.
/// </summary>
[Collection("clickhouse-cluster")]
[Trait("Category", "Cluster")]
public sealed class ClusterFixtureTests(ClickHouseClusterFixture fixture)
{
    private static readonly Dictionary<string, string> SyncInsert = new(StringComparer.Ordinal) { ["insert_distributed_sync"] = "1" };

    private ClickHouseCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task DistributedInsertsReachEveryShardAndEveryReplica()
    {
        using var client = await Cluster.CreateDatabaseAsync();
        await CreateTablesAsync(client);

        await InsertAsync(client, 0, 1000);

        var perShard = new List<long>();
        for (var shard = 1; shard <= Cluster.Shards; shard++)
        {
            var counts = new List<long>();
            for (var replica = 1; replica <= Cluster.Replicas; replica++)
            {
                counts.Add(await SyncedCountAsync(Cluster.Node(shard, replica), client.Database));
            }

            Assert.True(counts.Distinct().Count() == 1, $"shard {shard}'s replicas disagree: {string.Join(", ", counts)}");
            perShard.Add(counts[0]);
        }

        Assert.Equal(1000, perShard.Sum());
        Assert.All(perShard, count => Assert.True(count > 0, $"a shard got no rows: {string.Join(", ", perShard)}"));
        Assert.Equal(1000L, await CountAsync(client, "SELECT count() AS n FROM items"));
    }

    [Fact]
    public async Task AKilledReplicaComesBackWithWhatItsPartnerTook()
    {
        using var client = await Cluster.CreateDatabaseAsync();
        await CreateTablesAsync(client);
        var partner = Cluster.Node(2, 1);
        var killed = Cluster.Node(2, 2);

        await killed.KillAsync();
        using (var shardClient = partner.CreateClient(client.Database))
        {
            // Straight into the surviving replica's local table: the shard stays writable with one replica down.
            await shardClient.ExecuteAsync($"INSERT INTO items_local (id, text) VALUES {Values(0, 500)}");
        }

        await killed.RestartAsync();
        Assert.Equal(500L, await SyncedCountAsync(killed, client.Database));
        Assert.Equal(500L, await SyncedCountAsync(partner, client.Database));
    }

    /// <summary>DDL ON CLUSTER runs on the other nodes in their default database, so every name in it is qualified.</summary>
    private static async Task CreateTablesAsync(ClickHouseClient client)
    {
        var database = client.Database;
        await client.ExecuteAsync(
            $"CREATE TABLE {database}.items_local ON CLUSTER {ClickHouseCluster.Name} (id UInt64, text String) "
            + $"ENGINE = ReplicatedMergeTree('/clickhouse/tables/{{shard}}/{database}/items', '{{replica}}') ORDER BY id");
        await client.ExecuteAsync(
            $"CREATE TABLE {database}.items ON CLUSTER {ClickHouseCluster.Name} AS {database}.items_local "
            + $"ENGINE = Distributed({ClickHouseCluster.Name}, {database}, items_local, intHash64(id))");
    }

    private static async Task InsertAsync(ClickHouseClient client, int from, int count)
    {
        var sql = $"INSERT INTO items (id, text) VALUES {Values(from, count)}";
        await client.ExecuteAsync(sql, settings: SyncInsert);
    }

    private static string Values(int from, int count)
    {
        var values = new StringBuilder();
        for (var id = from; id < from + count; id++)
        {
            values.Append(values.Length == 0 ? string.Empty : ",").Append(CultureInfo.InvariantCulture, $"({id},'row {id}')");
        }

        return values.ToString();
    }

    /// <summary>The node's own rows once it has fetched everything its replication queue names.</summary>
    private static async Task<long> SyncedCountAsync(ClickHouseServer node, string database)
    {
        using var client = node.CreateClient(database);
        await client.ExecuteAsync("SYSTEM SYNC REPLICA items_local");
        return await CountAsync(client, "SELECT count() AS n FROM items_local");
    }

    private static async Task<long> CountAsync(ClickHouseClient client, string sql)
    {
        var rows = await client.QueryAsync(sql);
        return long.Parse(rows[0].GetProperty("n").GetString()!, CultureInfo.InvariantCulture);
    }
}
