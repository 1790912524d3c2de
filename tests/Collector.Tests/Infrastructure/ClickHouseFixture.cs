using System.Diagnostics.CodeAnalysis;

namespace Collector.Tests.Infrastructure;

/// <summary>One clickhouse-server for every test class in the "clickhouse" collection; each test uses its own database.</summary>
public sealed class ClickHouseFixture : IAsyncLifetime
{
    private ClickHouseServer? _server;

    internal ClickHouseServer Server => _server ?? throw new InvalidOperationException("the fixture is not initialized");

    public async Task InitializeAsync() => _server = await ClickHouseServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

[CollectionDefinition("clickhouse")]
[SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "An xunit test collection definition.")]
public sealed class ClickHouseCollection : ICollectionFixture<ClickHouseFixture>;
