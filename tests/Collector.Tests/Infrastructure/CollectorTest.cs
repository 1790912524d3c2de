namespace Collector.Tests.Infrastructure;

/// <summary>A test class with its own collector (Kestrel on loopback, FASTER in a fresh directory).</summary>
public abstract class CollectorTest : IAsyncLifetime
{
    private readonly TempDirectory _data = new();

    internal InProcessCollector Collector { get; private set; } = null!;

    public async Task InitializeAsync() => Collector = await InProcessCollector.StartAsync(_data.Path);

    public async Task DisposeAsync()
    {
        await Collector.DisposeAsync();
        _data.Dispose();
    }
}
