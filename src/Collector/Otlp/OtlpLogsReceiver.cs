using Collector.Forwarder.Otlp.V1;
using Collector.Host.Ingest;

namespace Collector.Host.Otlp;

/// <summary>Maps, ingests and answers one OTLP logs export, whichever transport carried it.</summary>
public sealed class OtlpLogsReceiver(UnsequencedIngest ingest)
{
    public async Task<ExportLogsServiceResponse> ExportAsync(ExportLogsServiceRequest request, IngestProtocol protocol, Security.EventRateBucket? bucket, CancellationToken cancellationToken)
    {
        var mapped = OtlpEventMapper.Map(request);
        ingest.CountRefused(protocol, mapped.Rejected);
        var outcome = await ingest.IngestAsync(mapped.Batches, protocol, bucket, cancellationToken);
        var rejected = mapped.Rejected + outcome.Rejected;
        var response = new ExportLogsServiceResponse();
        if (rejected > 0)
        {
            // The spec's partial success: the sender must not retry these; the message says what was wrong with the first.
            response.PartialSuccess = new ExportLogsPartialSuccess
            {
                RejectedLogRecords = rejected,
                ErrorMessage = $"{rejected} log record(s) rejected; first: {mapped.FirstRejection ?? outcome.FirstRejection}",
            };
        }

        return response;
    }
}
