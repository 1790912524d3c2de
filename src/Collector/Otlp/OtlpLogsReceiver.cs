using Collector.Forwarder.Otlp.V1;

namespace Collector.Host.Otlp;

/// <summary>Maps, ingests and answers one OTLP logs export, whichever transport carried it.</summary>
public sealed class OtlpLogsReceiver(OtlpIngest ingest)
{
    public async Task<ExportLogsServiceResponse> ExportAsync(ExportLogsServiceRequest request, Ingest.IngestProtocol protocol, Security.EventRateBucket? bucket, CancellationToken cancellationToken)
    {
        var (rejected, message) = await ingest.IngestAsync(OtlpEventMapper.Map(request), "log record", protocol, bucket, cancellationToken);
        var response = new ExportLogsServiceResponse();
        if (rejected > 0)
        {
            response.PartialSuccess = new ExportLogsPartialSuccess { RejectedLogRecords = rejected, ErrorMessage = message };
        }

        return response;
    }
}
