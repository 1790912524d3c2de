using System.Text;
using System.Text.Json;
using Collector.Forwarder.Otlp.V1;
using Collector.Tests.Infrastructure;
using Google.Protobuf;

namespace Collector.Tests.Torture;

/// <summary>The valid inputs the fuzzers mutate, one small set per kind of message; fixed, so a seed replays.</summary>
internal static class FuzzCorpus
{
    /// <summary>EventBatches: sequenced (sent again: duplicates), unsequenced, a single event.</summary>
    public static IReadOnlyList<byte[]> Batches { get; } =
    [
        Events.Batch("fuzz-send", 1, 5).ToByteArray(),
        Events.Batch("fuzz-unsequenced", 0, 3).ToByteArray(),
        Events.Batch("fuzz-one", 7, 1).ToByteArray(),
    ];

    /// <summary>ExportLogsServiceRequests: one record, and two resources with several records.</summary>
    public static IReadOnlyList<byte[]> OtlpRequests { get; } = [OtlpRequest(1).ToByteArray(), OtlpRequest(3, resources: 2).ToByteArray()];

    /// <summary>Bodies of POST /v1/logs with Content-Type application/json: the JSON API's object and array, OTLP JSON.</summary>
    public static IReadOnlyList<byte[]> JsonBodies { get; } =
    [
        Encoding.UTF8.GetBytes("""{"timestamp":"2025-08-25T10:00:00Z","service":"fuzz","level":"INFO","message":"started","correlation_id":"c-1"}"""),
        Encoding.UTF8.GetBytes("""[{"service":"fuzz","level":"WARN","message":"a"},{"service":"fuzz","level":"ERROR","message":"b","attributes":{"k":"v"}}]"""),
        Encoding.UTF8.GetBytes("""{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"fuzz"}}]},"scopeLogs":[{"logRecords":[{"timeUnixNano":"1700000000000000000","severityNumber":9,"body":{"stringValue":"hi"},"traceId":"5b8efff798038103d269b633813fc60c"}]}]}]}"""),
    ];

    /// <summary>The log records of an OTLP request, the number its answer's partial success is measured against.</summary>
    public static int Records(ExportLogsServiceRequest request) => request.ResourceLogs.Sum(r => r.ScopeLogs.Sum(s => s.LogRecords.Count));

    /// <summary>The log records of an OTLP JSON body the collector took, counted by the OTLP JSON names (lowerCamelCase or the proto's).</summary>
    public static int OtlpJsonRecords(byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        return Items(document.RootElement, "resourceLogs", "resource_logs")
            .Sum(resource => Items(resource, "scopeLogs", "scope_logs").Sum(scope => Items(scope, "logRecords", "log_records").Count()));
    }

    /// <summary>The rejected records an OTLP JSON answer names (an int64, so a string in JSON); 0 without a partial success.</summary>
    public static long OtlpJsonRejected(byte[] answer)
    {
        using var json = JsonDocument.Parse(answer);
        if (!json.RootElement.TryGetProperty("partialSuccess", out var partial) || !partial.TryGetProperty("rejectedLogRecords", out var rejected))
        {
            return 0;
        }

        return rejected.ValueKind == JsonValueKind.String ? long.Parse(rejected.GetString()!, System.Globalization.CultureInfo.InvariantCulture) : rejected.GetInt64();
    }

    private static IEnumerable<JsonElement> Items(JsonElement parent, string name, string protoName) =>
        parent.ValueKind == JsonValueKind.Object
            ? parent.EnumerateObject().Where(p => (p.Name == name || p.Name == protoName) && p.Value.ValueKind == JsonValueKind.Array).SelectMany(p => p.Value.EnumerateArray())
            : [];

    private static ExportLogsServiceRequest OtlpRequest(int records, int resources = 1)
    {
        var request = new ExportLogsServiceRequest();
        for (var r = 0; r < resources; r++)
        {
            var scope = new ScopeLogs();
            for (var i = 0; i < records; i++)
            {
                var record = new LogRecord
                {
                    TimeUnixNano = 1_700_000_000_000_000_000 + (ulong)i,
                    SeverityNumber = SeverityNumber.Warn,
                    Body = new AnyValue { StringValue = "fuzz seed" },
                    TraceId = ByteString.CopyFrom(new byte[16]),
                    SpanId = ByteString.CopyFrom([1, 2, 3, 4, 5, 6, 7, 8]),
                };
                record.Attributes.Add(new KeyValue { Key = "k", Value = new AnyValue { IntValue = 7 } });
                scope.LogRecords.Add(record);
            }

            var resource = new ResourceLogs { Resource = new Resource() };
            resource.Resource.Attributes.Add(new KeyValue { Key = "service.name", Value = new AnyValue { StringValue = $"fuzz-{r}" } });
            resource.ScopeLogs.Add(scope);
            request.ResourceLogs.Add(resource);
        }

        return request;
    }
}
