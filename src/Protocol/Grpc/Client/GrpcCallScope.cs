namespace Collector.Protocol.Grpc.Client;

/// <summary>The cancellation of one call: the caller's token and the deadline, told apart for the status.</summary>
internal sealed class GrpcCallScope : IDisposable
{
    private readonly CancellationTokenSource _source;
    private readonly CancellationToken _callerToken;
    private readonly CancellationTokenSource? _deadline;

    public GrpcCallScope(GrpcCallOptions options)
    {
        _callerToken = options.CancellationToken;
        if (options.Timeout is { } timeout)
        {
            _deadline = new CancellationTokenSource(timeout);
            _source = CancellationTokenSource.CreateLinkedTokenSource(_callerToken, _deadline.Token);
        }
        else
        {
            _source = CancellationTokenSource.CreateLinkedTokenSource(_callerToken);
        }
    }

    public CancellationToken Token => _source.Token;

    public bool DeadlineExceeded => _deadline?.IsCancellationRequested == true && !_callerToken.IsCancellationRequested;

    public bool CancelledByCaller => _callerToken.IsCancellationRequested;

    public void Cancel()
    {
        try
        {
            _source.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The call already finished.
        }
    }

    public void Dispose()
    {
        _source.Dispose();
        _deadline?.Dispose();
    }
}
