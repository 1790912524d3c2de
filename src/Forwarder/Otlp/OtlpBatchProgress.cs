namespace Collector.Forwarder.Otlp;

// What an OTLP upstream has already delivered of one forward batch, kept on the batch (ForwardBatch.UpstreamProgress)
// across sessions. A batch goes out as up to three Export calls; when one fails, the batch is resent, and only the
// signals not yet delivered go again: a metrics outage does not store the batch's logs twice. The batch is done when
// every signal it has is delivered; its result is the sum of the parts' results, whichever session delivered them.
//
// Invariants: a signal is recorded at most once (a second record of it is ignored); Delivered only grows.
// Export calls of one session may finish on different threads, hence the lock; a resend happens only after the
// failed session has waited for all its calls (OtlpUpstreamSession.DisposeAsync), so it reads a settled value.

/// <summary>Which signals of a batch an OTLP upstream has delivered, and what it said about them.</summary>
internal sealed class OtlpBatchProgress
{
    private readonly Lock _lock = new();
    private OtlpSignal _delivered;
    private DeliveryResult _total;

    public static OtlpBatchProgress Of(ForwardBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.UpstreamProgress is not OtlpBatchProgress progress)
        {
            progress = new OtlpBatchProgress();
            batch.UpstreamProgress = progress;
        }

        return progress;
    }

    public OtlpSignal Delivered
    {
        get
        {
            lock (_lock)
            {
                return _delivered;
            }
        }
    }

    /// <summary>The sum of the results of every signal delivered so far; the first rejection message wins.</summary>
    public DeliveryResult Total
    {
        get
        {
            lock (_lock)
            {
                return _total;
            }
        }
    }

    /// <summary>Records what the upstream said of <paramref name="signal"/>; false if it was recorded before.</summary>
    public bool Record(OtlpSignal signal, DeliveryResult result)
    {
        lock (_lock)
        {
            if ((_delivered & signal) != OtlpSignal.None)
            {
                return false;
            }

            _delivered |= signal;
            _total = new DeliveryResult(
                _total.Accepted + result.Accepted,
                _total.Duplicates + result.Duplicates,
                _total.Rejected + result.Rejected,
                _total.FirstRejection ?? result.FirstRejection);
            return true;
        }
    }
}
