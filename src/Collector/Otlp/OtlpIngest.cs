using Collector.Host.Ingest;

namespace Collector.Host.Otlp;

/// <summary>
/// The part of every OTLP export that does not depend on the signal: ingest what the mapper made (acknowledged once
/// durable, like every other way in), count what it refused, and say what the partial-success answer reports:
/// how many items were rejected for good and why the first one was.
/// </summary>
public sealed class OtlpIngest(UnsequencedIngest ingest)
{
    public async Task<(int Rejected, string Message)> IngestAsync(OtlpMappedRequest mapped, string item, IngestProtocol protocol, Security.EventRateBucket? bucket, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(mapped);
        ingest.CountRefused(protocol, mapped.Rejected);
        var outcome = await ingest.IngestAsync(mapped.Batches, protocol, bucket, cancellationToken);
        var rejected = mapped.Rejected + outcome.Rejected;

        // The spec's partial success: the sender must not retry these; the message says what was wrong with the first.
        return rejected == 0 ? (0, string.Empty) : (rejected, $"{rejected} {item}(s) rejected; first: {mapped.FirstRejection ?? outcome.FirstRejection}");
    }
}
