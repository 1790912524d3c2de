using System.Globalization;
using System.Xml.Linq;

namespace Collector.Tests.Infrastructure.Cluster;

/// <summary>
/// What makes one clickhouse-server a member of a test cluster: its ports (chosen before any node starts, because
/// every node's <c>remote_servers</c> names every other node's TCP port), the interserver port replicas fetch parts
/// through, the ZooKeeper it coordinates with, and its macros (<c>{shard}</c>, <c>{replica}</c>, <c>{cluster}</c>)
/// for ReplicatedMergeTree paths. Replication between nodes is on: <c>internal_replication</c> true, so an insert
/// through a Distributed table goes to one replica per shard and the replicas copy it among themselves.
/// </summary>
internal sealed record ClusterNodeConfig(
    string ClusterName,
    int Shard,
    int Replica,
    int HttpPort,
    int TcpPort,
    int InterserverPort,
    int ZooKeeperPort,
    IReadOnlyList<IReadOnlyList<int>> ShardTcpPorts)
{
    /// <summary>The shard macro: <c>01</c>, <c>02</c>, ... (1-based, as ClickHouse's own examples number them).</summary>
    public string ShardMacro => Shard.ToString("00", CultureInfo.InvariantCulture);

    /// <summary>The replica macro: unique across the cluster, so two shards' replicas never share a ZooKeeper name.</summary>
    public string ReplicaMacro => $"s{ShardMacro}r{Replica}";

    public IEnumerable<XElement> Elements()
    {
        yield return new XElement("interserver_http_port", InterserverPort);
        yield return new XElement("interserver_http_host", "127.0.0.1");
        yield return new XElement(
            "zookeeper",
            new XElement("node", new XElement("host", "127.0.0.1"), new XElement("port", ZooKeeperPort)),
            new XElement("session_timeout_ms", 8000),
            new XElement("operation_timeout_ms", 10000));
        yield return new XElement(
            "remote_servers",
            new XElement(
                ClusterName,
                ShardTcpPorts.Select(replicas => new XElement(
                    "shard",
                    new XElement("internal_replication", "true"),
                    replicas.Select(port => new XElement("replica", new XElement("host", "127.0.0.1"), new XElement("port", port)))))));
        yield return new XElement(
            "macros",
            new XElement("cluster", ClusterName),
            new XElement("shard", ShardMacro),
            new XElement("replica", ReplicaMacro));
        yield return new XElement("distributed_ddl", new XElement("path", "/clickhouse/task_queue/ddl"));
    }
}
