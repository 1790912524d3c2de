using System.Globalization;
using Collector.Storage.ClickHouse;
using Collector.Tests.Infrastructure;

namespace Collector.Tests.ClickHouse;

/// <summary>
/// The fence against inserts ClickHouse runs after the batcher gave up on them (InsertSessions), against a real 18.16:
/// an insert that waited in a hung server's sockets stores nothing once its session is fenced, and a restarted
/// collector fences the last session of the one before.
/// </summary>
public sealed class InsertSessionsTests : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _data = new();
    private ClickHouseServer? _server;
    private ClickHouseClient? _setup;

    private ClickHouseServer Server => _server!;

    public async Task InitializeAsync()
    {
        _server = await ClickHouseServer.StartAsync();
        _setup = await _server.CreateDatabaseAsync();
        await _setup.ExecuteAsync(SampleRows.CreateTable);
    }

    public async Task DisposeAsync()
    {
        _setup?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task FenceAsync_InsertWaitingInAHungServer_StoresNothingOnceFenced()
    {
        using var patient = Server.CreateClient(_setup!.Database);
        using var impatient = new ClickHouseClient(new ClickHouseOptions { Url = Server.Url, Database = _setup.Database, Timeout = TimeSpan.FromSeconds(1) });
        var sessions = new InsertSessions(_data.Path, "fence-test", TimeProvider.System);

        // Which of the two runs first once the server goes on is the server's choice: several rounds, so that the
        // fence runs first in some (the insert is refused) and the insert in others (its rows are in before the fence
        // ends, and the fence waits for it: code 373). FenceAsync_AfterRestart pins the refusal itself.
        for (var round = 0; round < 3; round++)
        {
            var before = await CountAsync(patient);
            var session = sessions.Next();
            Server.Pause();
            Task fencing;
            try
            {
                fencing = FenceAsync(sessions, patient);

                // Only so that the fence's connection is queued before the insert's.
                await Task.Delay(300);
                var unanswered = await Assert.ThrowsAsync<ClickHouseException>(() => impatient.InsertRowBinaryAsync("samples", SampleRows.Columns, Rows(), session: session));
                Assert.Null(unanswered.HttpStatus);
            }
            finally
            {
                Server.Resume();
            }

            await fencing;
            var atFence = await CountAsync(patient) - before;
            await Task.Delay(TimeSpan.FromSeconds(1));

            Assert.Equal(atFence, await CountAsync(patient) - before);
            Assert.Contains(atFence, new long[] { 0, 100 });
        }
    }

    /// <summary>As the batcher calls it: again while ClickHouse still runs the session's insert (code 373).</summary>
    private static async Task FenceAsync(InsertSessions sessions, ClickHouseClient client)
    {
        while (true)
        {
            try
            {
                await sessions.FenceAsync(client, CancellationToken.None);
                return;
            }
            catch (ClickHouseException ex) when (ex.Code == 373)
            {
                await Task.Delay(20);
            }
        }
    }

    [Fact]
    public async Task FenceAsync_AfterRestart_FencesTheLastSessionOfTheRunBefore()
    {
        using var client = Server.CreateClient(_setup!.Database);
        var before = new InsertSessions(_data.Path, "restart-test", TimeProvider.System);
        var last = before.Next();
        await client.InsertRowBinaryAsync("samples", SampleRows.Columns, Rows(), session: last);

        var restarted = new InsertSessions(_data.Path, "restart-test", TimeProvider.System);
        await restarted.FenceAsync(client, CancellationToken.None);
        var late = await Assert.ThrowsAsync<ClickHouseException>(() => client.InsertRowBinaryAsync("samples", SampleRows.Columns, Rows(), session: last));
        var next = restarted.Next();
        await client.InsertRowBinaryAsync("samples", SampleRows.Columns, Rows(), session: next);

        Assert.Equal(164, late.Code); // READONLY
        Assert.NotEqual(last.Id, next.Id);
        Assert.Equal(200, await CountAsync(client));
    }

    private static byte[] Rows() => SampleRows.Encode(Enumerable.Range(0, 100).Select(i => ($"row {i}", (ulong)i, 1.5, 1_700_000_000u, Array.Empty<string>())).ToArray());

    private static async Task<long> CountAsync(ClickHouseClient client) =>
        long.Parse((await client.QueryAsync("SELECT count() AS n FROM samples"))[0].GetProperty("n").GetString()!, CultureInfo.InvariantCulture);
}
