using Collector.Forwarder.Otlp.V1;

namespace Collector.Host.Otlp;

/// <summary>Maps, ingests and answers one OTLP metrics export, whichever transport carried it.</summary>
public sealed class OtlpMetricsReceiver(OtlpIngest ingest)
{
    public async Task<ExportMetricsServiceResponse> ExportAsync(ExportMetricsServiceRequest request, Ingest.IngestProtocol protocol, Security.EventRateBucket? bucket, CancellationToken cancellationToken)
    {
        var (rejected, message) = await ingest.IngestAsync(OtlpMetricMapper.Map(request), "data point", protocol, bucket, cancellationToken);
        var response = new ExportMetricsServiceResponse();
        if (rejected > 0)
        {
            response.PartialSuccess = new ExportMetricsPartialSuccess { RejectedDataPoints = rejected, ErrorMessage = message };
        }

        return response;
    }
}
