using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Collector.Tests.Infrastructure;

/// <summary>
/// A TCP proxy in front of a real ClickHouse that, once, resets both connections in the middle of an insert's body:
/// after it has passed on <c>cutAfterBytes</c> of a request whose query is an INSERT. Everything else goes through
/// untouched, so the batcher meets a connection lost while it streams rows, as a crashing server or network gives it.
/// </summary>
internal sealed class InsertCuttingProxy : IAsyncDisposable
{
    private static readonly byte[] InsertQuery = Encoding.ASCII.GetBytes("query=INSERT");

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Uri _target;
    private readonly int _cutAfterBytes;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private int _armed = 1;
    private int _cuts;

    public InsertCuttingProxy(Uri target, int cutAfterBytes)
    {
        _target = target;
        _cutAfterBytes = cutAfterBytes;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public Uri Url => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");

    /// <summary>How many inserts were cut (0 or 1).</summary>
    public int Cuts => Volatile.Read(ref _cuts);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            _ = Task.Run(() => RelayAsync(client));
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using var owned = client;
        using var server = new TcpClient();
        await server.ConnectAsync(_target.Host, _target.Port);
        var back = server.GetStream().CopyToAsync(client.GetStream());
        var buffer = new byte[16 * 1024];
        long insertBytes = -1;
        try
        {
            while (true)
            {
                var read = await client.GetStream().ReadAsync(buffer);
                if (read == 0)
                {
                    break;
                }

                if (insertBytes < 0 && Volatile.Read(ref _armed) == 1 && buffer.AsSpan(0, read).IndexOf(InsertQuery) >= 0)
                {
                    insertBytes = 0;
                }

                if (insertBytes >= 0 && insertBytes + read > _cutAfterBytes && Interlocked.Exchange(ref _armed, 0) == 1)
                {
                    await server.GetStream().WriteAsync(buffer.AsMemory(0, (int)(_cutAfterBytes - insertBytes)));
                    Interlocked.Increment(ref _cuts);
                    client.Client.LingerState = new LingerOption(true, 0);
                    server.Client.LingerState = new LingerOption(true, 0);
                    return;
                }

                insertBytes = insertBytes >= 0 ? insertBytes + read : insertBytes;
                await server.GetStream().WriteAsync(buffer.AsMemory(0, read));
            }
        }
        catch (IOException)
        {
            // Either side went away: so does the other.
        }

        await back.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }
}
