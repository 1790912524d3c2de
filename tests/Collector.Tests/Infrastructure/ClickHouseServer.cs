using System.Diagnostics;
using System.Runtime.InteropServices;
using Collector.Storage.ClickHouse;
using Collector.Tests.Infrastructure.Cluster;

namespace Collector.Tests.Infrastructure;

/// <summary>
/// A private clickhouse-server (Debian's 18.16) as a plain child process: its own data directory under /tmp and free
/// loopback ports, so it never touches a server someone else runs. Its table data may live elsewhere (a small
/// loop-mounted disk a test fills); logs and temporary files stay in its own directory.
/// </summary>
internal sealed partial class ClickHouseServer : IAsyncDisposable
{
    public const string Binary = "/usr/sbin/clickhouse-server";

    /// <summary>The password of the <c>collector</c> user: a quote, a double quote and an ampersand, to test escaping.</summary>
    public const string CollectorPassword = "s3cr'et\"&pw";

    private readonly string _directory;
    private Process? _process;

    private ClickHouseServer(string directory, int httpPort)
    {
        _directory = directory;
        Url = new Uri($"http://127.0.0.1:{httpPort}/");
    }

    public Uri Url { get; }

    private string ConfigPath => Path.Combine(_directory, "config.xml");

    private string UsersPath => Path.Combine(_directory, "users.xml");

    /// <summary>
    /// Starts a server whose table data lives in <paramref name="dataPath"/> (created if missing), or in its own
    /// directory; as a member of a cluster when <paramref name="clusterNode"/> is given (its ports and cluster settings).
    /// </summary>
    public static async Task<ClickHouseServer> StartAsync(string? dataPath = null, ClusterNodeConfig? clusterNode = null)
    {
        Assert.True(File.Exists(Binary), $"{Binary} is missing: run scripts/install-deps.sh --tests");
        var directory = Path.Combine(Path.GetTempPath(), $"clickhouse-test-{Guid.NewGuid():N}");
        var httpPort = clusterNode?.HttpPort ?? FreePort.Next();
        var tcpPort = clusterNode?.TcpPort ?? FreePort.Next();

        foreach (var sub in new[] { "log", "data", "tmp", "user_files", "format_schemas" })
        {
            Directory.CreateDirectory(Path.Combine(directory, sub));
        }

        if (dataPath is not null)
        {
            Directory.CreateDirectory(dataPath);
        }

        var server = new ClickHouseServer(directory, httpPort);
        var config = ClickHouseServerConfig.Server(directory, httpPort, tcpPort, dataPath);
        config.Root!.Add(clusterNode?.Elements() ?? []);
        config.Save(server.ConfigPath);
        ClickHouseServerConfig.Users(CollectorPassword).Save(server.UsersPath);
        await server.StartProcessAsync();
        return server;
    }

    public ClickHouseClient CreateClient(string database, string? user = null, string? password = null) =>
        new(new ClickHouseOptions { Url = Url, Database = database, User = user, Password = password, Timeout = TimeSpan.FromSeconds(20) });

    /// <summary>A fresh database (<c>t_</c> + a GUID) and a client whose unqualified names resolve in it.</summary>
    public async Task<ClickHouseClient> CreateDatabaseAsync()
    {
        var client = CreateClient($"t_{Guid.NewGuid():N}");
        await client.ExecuteAsync($"CREATE DATABASE {client.Database}", useDatabase: false);
        return client;
    }

    /// <summary>SIGTERM, as an init system would stop it, then waits for the exit.</summary>
    public async Task StopAsync()
    {
        if (_process is not { HasExited: false } process)
        {
            return;
        }

        Assert.Equal(0, SendSignal(process.Id, 15));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
    }

    /// <summary>SIGKILL: no shutdown code runs.</summary>
    public async Task KillAsync()
    {
        if (_process is not { HasExited: false } process)
        {
            return;
        }

        process.Kill();
        await process.WaitForExitAsync();
    }

    /// <summary>SIGSTOP: the process stays and its sockets keep accepting connections, but it answers nothing (a hung server).</summary>
    public void Pause() => Assert.Equal(0, SendSignal(_process!.Id, 19));

    /// <summary>SIGCONT after <see cref="Pause"/>: the server goes on with whatever waited in its sockets.</summary>
    public void Resume() => Assert.Equal(0, SendSignal(_process!.Id, 18));

    /// <summary>
    /// Makes the <c>collector</c> user read-only (every INSERT refused with code 164) or writable again, as an operator
    /// editing users.xml would; the server reloads the file by itself within seconds. Waits until the change is in force.
    /// </summary>
    public async Task SetCollectorReadOnlyAsync(bool readOnly)
    {
        ClickHouseServerConfig.Users(CollectorPassword, collectorReadOnly: readOnly).Save(UsersPath);
        using var client = CreateClient("default", "collector", CollectorPassword);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var rows = await client.QueryAsync("SELECT value FROM system.settings WHERE name = 'readonly'");
            if (rows[0].GetProperty("value").GetString() == (readOnly ? "1" : "0"))
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"clickhouse-server did not reload {UsersPath} in 30 s");
            await Task.Delay(200);
        }
    }

    /// <summary>Stops the server if it runs and starts it again on the same directory and ports.</summary>
    public async Task RestartAsync()
    {
        await StopAsync();
        await StartProcessAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process?.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // /tmp is cleaned eventually.
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SendSignal(int pid, int signal);

    private async Task StartProcessAsync()
    {
        var start = new ProcessStartInfo(Binary)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _directory,
        };
        start.ArgumentList.Add($"--config-file={ConfigPath}");
        _process?.Dispose();
        _process = Process.Start(start)!;

        // Console logging is off; drain the pipes anyway so the server can never block on them.
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await WaitForPingAsync(_process);
    }

    private async Task WaitForPingAsync(Process process)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline && !process.HasExited)
        {
            try
            {
                using var response = await http.GetAsync(new Uri(Url, "ping"));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }

        var errorLog = Path.Combine(_directory, "log", "error.log");
        var errors = File.Exists(errorLog) ? await File.ReadAllTextAsync(errorLog) : "(no error log)";
        var state = process.HasExited ? $"exited with {process.ExitCode}" : "did not answer /ping in 60 s";
        Assert.Fail($"clickhouse-server in {_directory} {state}:\n{errors}");
    }
}
