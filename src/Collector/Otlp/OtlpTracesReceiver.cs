using Collector.Forwarder.Otlp.V1;

namespace Collector.Host.Otlp;

/// <summary>Maps, ingests and answers one OTLP trace export, whichever transport carried it.</summary>
public sealed class OtlpTracesReceiver(OtlpIngest ingest)
{
    public async Task<ExportTraceServiceResponse> ExportAsync(ExportTraceServiceRequest request, Ingest.IngestProtocol protocol, Security.EventRateBucket? bucket, CancellationToken cancellationToken)
    {
        var (rejected, message) = await ingest.IngestAsync(OtlpSpanMapper.Map(request), "span", protocol, bucket, cancellationToken);
        var response = new ExportTraceServiceResponse();
        if (rejected > 0)
        {
            response.PartialSuccess = new ExportTracePartialSuccess { RejectedSpans = rejected, ErrorMessage = message };
        }

        return response;
    }
}
