using Collector.Tests.Infrastructure;

namespace Collector.Tests.Torture;

/// <summary>
/// A fuzz test against its own collector process (so a crash is a dead process, not a dead test host) on a fresh
/// data dir; the process is killed and the directory deleted with the test, however it ended.
/// </summary>
public abstract class FuzzTest : IAsyncLifetime
{
    private readonly TempDirectory _data = new();

    internal CollectorProcess Collector { get; private set; } = null!;

    internal string DataDir => _data.Path;

    /// <summary>The longest any one request may take before the run counts it as a hang.</summary>
    internal static TimeSpan RequestTimeout { get; } = TimeSpan.FromSeconds(30);

    public async Task InitializeAsync() => Collector = await CollectorProcess.StartAsync(_data.Path);

    public Task DisposeAsync()
    {
        Collector?.Dispose();
        _data.Dispose();
        return Task.CompletedTask;
    }
}
