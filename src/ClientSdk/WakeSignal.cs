namespace Collector.ClientSdk;

/// <summary>
/// Wakes one sleeping consumer when work arrives. Only the first arrival after the consumer went idle pays for the
/// release, so a producer on a hot path (a log call) pays one volatile read.
/// </summary>
internal sealed class WakeSignal : IDisposable
{
    private readonly SemaphoreSlim _wake = new(0);
    private int _idle;

    /// <summary>Sleeps until <see cref="Wake"/> or the timeout, unless <paramref name="hasWork"/> already says there is work.</summary>
    public async Task WaitAsync(Func<bool> hasWork, TimeSpan timeout, CancellationToken cancellationToken)
    {
        Volatile.Write(ref _idle, 1);
        try
        {
            // Checked after going idle: work that arrived before this line is seen here, work after it wakes us.
            if (!hasWork())
            {
                await _wake.WaitAsync(timeout, cancellationToken);
            }
        }
        finally
        {
            Volatile.Write(ref _idle, 0);
        }
    }

    public void Wake()
    {
        if (Volatile.Read(ref _idle) == 1 && Interlocked.Exchange(ref _idle, 0) == 1)
        {
            _wake.Release();
        }
    }

    public void Dispose() => _wake.Dispose();
}
