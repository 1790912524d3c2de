using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace Collector.Tests.Infrastructure.Cluster;

/// <summary>
/// A private standalone ZooKeeper (Debian's 3.8 package) as a plain child process: its own zoo.cfg and data directory
/// under /tmp, one free loopback port, a small heap. Debian's package starts no service; its admin server (Jetty) is
/// turned off so nothing binds 0.0.0.0:8080. Ready once it answers the four-letter <c>ruok</c> with <c>imok</c>.
/// </summary>
internal sealed class ZooKeeperServer : IDisposable
{
    public const string Jar = "/usr/share/java/zookeeper.jar";

    private readonly ChildProcess _process;
    private readonly TempDirectory _directory;

    private ZooKeeperServer(ChildProcess process, TempDirectory directory, int port)
    {
        _process = process;
        _directory = directory;
        Port = port;
    }

    public int Port { get; }

    public string Output => _process.Output;

    public static async Task<ZooKeeperServer> StartAsync()
    {
        Assert.True(File.Exists(Jar), $"{Jar} is missing: run scripts/install-deps.sh --tests (Debian package zookeeper)");
        var directory = new TempDirectory("zookeeper-test");
        var port = FreePort.Next();
        var data = Path.Combine(directory.Path, "data");
        Directory.CreateDirectory(data);
        var config = Path.Combine(directory.Path, "zoo.cfg");

        // A short tick makes sessions of killed ClickHouse nodes expire in seconds rather than half a minute.
        // No fsync of the transaction log: on a loaded disk a session's creation could wait for one longer than
        // ClickHouse 18.16 waits for a connection (about a second), and its DDL worker then crashes the server (a
        // null ZooKeeper client, seen in a test run under load). A test's ZooKeeper need not survive a power loss.
        await File.WriteAllTextAsync(config, $"""
            tickTime=500
            minSessionTimeout=2000
            maxSessionTimeout=10000
            forceSync=no
            dataDir={data}
            clientPort={port}
            clientPortAddress=127.0.0.1
            admin.enableServer=false
            maxClientCnxns=200
            4lw.commands.whitelist=ruok
            """);

        // Ahead of the test load on the CPU too (where the tests run as root, as in CI): a ClickHouse node whose
        // ZooKeeper does not answer in time may crash (see above).
        var start = new ProcessStartInfo(Environment.UserName == "root" ? "nice" : "java") { WorkingDirectory = directory.Path };
        if (Environment.UserName == "root")
        {
            foreach (var argument in new[] { "-n", "-5", "java" })
            {
                start.ArgumentList.Add(argument);
            }
        }

        foreach (var argument in new[] { "-Xms32m", "-Xmx192m", "-XX:+UseSerialGC", "-cp", $"{Jar}:/etc/zookeeper/conf", "org.apache.zookeeper.server.ZooKeeperServerMain", config })
        {
            start.ArgumentList.Add(argument);
        }

        var server = new ZooKeeperServer(new ChildProcess(start), directory, port);
        await server.WaitUntilOkAsync(TimeSpan.FromSeconds(60));
        return server;
    }

    /// <summary>Whether the server answers <c>ruok</c> with <c>imok</c> now.</summary>
    public async Task<bool> IsOkAsync()
    {
        try
        {
            using var client = new TcpClient();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await client.ConnectAsync("127.0.0.1", Port, timeout.Token);
            var stream = client.GetStream();
            await stream.WriteAsync("ruok"u8.ToArray(), timeout.Token);
            var buffer = new byte[16];
            var read = await stream.ReadAtLeastAsync(buffer, 4, throwOnEndOfStream: false, timeout.Token);
            return Encoding.ASCII.GetString(buffer, 0, read) == "imok";
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        _process.Dispose();
        _directory.Dispose();
    }

    private async Task WaitUntilOkAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await IsOkAsync())
        {
            Assert.False(_process.Process.HasExited, $"ZooKeeper exited during start:\n{Output}");
            Assert.True(DateTime.UtcNow < deadline, $"ZooKeeper did not answer ruok in {timeout.TotalSeconds} s:\n{Output}");
            await Task.Delay(200);
        }
    }
}
