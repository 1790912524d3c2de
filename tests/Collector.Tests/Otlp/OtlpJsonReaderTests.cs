using System.Text.Json.Nodes;
using Collector.Forwarder.Otlp.V1;
using Collector.Host.Otlp;

namespace Collector.Tests.Otlp;

public sealed class OtlpJsonReaderTests
{
    // Shaped like the OTLP spec's logs example: lowerCamelCase, hex ids, int64 as a string, enum as an integer.
    private const string SpecShaped = """
        {
          "resourceLogs": [{
            "resource": { "attributes": [{ "key": "service.name", "value": { "stringValue": "payments" } }] },
            "scopeLogs": [{
              "scope": { "name": "payments.api", "version": "3.2.0", "attributes": [{ "key": "tier", "value": { "stringValue": "gold" } }] },
              "logRecords": [{
                "timeUnixNano": "1712345678901234567",
                "observedTimeUnixNano": 1712345678901234999,
                "severityNumber": 17,
                "severityText": "Error",
                "traceId": "5B8EFFF798038103D269B633813FC60C",
                "spanId": "eee19b7ec3c1b174",
                "body": { "stringValue": "card declined" },
                "flags": 1,
                "unknownFutureField": { "x": 1 },
                "attributes": [
                  { "key": "retries", "value": { "intValue": "3" } },
                  { "key": "big", "value": { "intValue": 9007199254740993 } },
                  { "key": "amount", "value": { "doubleValue": 12.5 } },
                  { "key": "flagged", "value": { "boolValue": true } },
                  { "key": "steps", "value": { "arrayValue": { "values": [{ "stringValue": "auth" }, { "intValue": 2 }] } } },
                  { "key": "card", "value": { "kvlistValue": { "values": [{ "key": "brand", "value": { "stringValue": "visa" } }] } } },
                  { "key": "raw", "value": { "bytesValue": "AQI=" } }
                ]
              }]
            }]
          }]
        }
        """;

    [Fact]
    public void Read_SpecShapedRequest_EveryFieldParsed()
    {
        var request = Read(SpecShaped);

        var record = request.ResourceLogs[0].ScopeLogs[0].LogRecords[0];
        Assert.Equal(1712345678901234567ul, record.TimeUnixNano);
        Assert.Equal(1712345678901234999ul, record.ObservedTimeUnixNano);
        Assert.Equal(SeverityNumber.Error, record.SeverityNumber);
        Assert.Equal("5b8efff798038103d269b633813fc60c", Convert.ToHexStringLower(record.TraceId.ToByteArray()));
        Assert.Equal("eee19b7ec3c1b174", Convert.ToHexStringLower(record.SpanId.ToByteArray()));
        Assert.Equal(1u, record.Flags);
        Assert.Equal("card declined", record.Body.StringValue);
        Assert.Equal("payments.api", request.ResourceLogs[0].ScopeLogs[0].Scope.Name);

        var evt = Assert.Single(Assert.Single(OtlpEventMapper.Map(request).Batches).Events);
        Assert.Equal("payments", evt.Service);
        Assert.Equal("3", evt.Attributes["retries"]);
        Assert.Equal("9007199254740993", evt.Attributes["big"]);
        Assert.Equal("12.5", evt.Attributes["amount"]);
        Assert.Equal("true", evt.Attributes["flagged"]);
        Assert.Equal("""["auth",2]""", evt.Attributes["steps"]);
        Assert.Equal("""{"brand":"visa"}""", evt.Attributes["card"]);
        Assert.Equal("AQI=", evt.Attributes["raw"]);
        Assert.Equal("gold", evt.Attributes["scope.tier"]);
    }

    [Fact]
    public void Read_ProtoFieldNames_Accepted()
    {
        var request = Read("""
            {"resource_logs":[{"scope_logs":[{"log_records":[{"time_unix_nano":"5","severity_number":9,"trace_id":"000102030405060708090a0b0c0d0e0f","span_id":"0001020304050607","body":{"string_value":"snake"}}]}]}]}
            """);

        var record = request.ResourceLogs[0].ScopeLogs[0].LogRecords[0];
        Assert.Equal(5ul, record.TimeUnixNano);
        Assert.Equal(16, record.TraceId.Length);
        Assert.Equal(8, record.SpanId.Length);
        Assert.Equal("snake", record.Body.StringValue);
    }

    [Fact]
    public void Read_Base64TraceId_FormatExceptionNamingTheField()
    {
        var ex = Assert.Throws<FormatException>(() => Read("""
            {"resourceLogs":[{"scopeLogs":[{"logRecords":[{},{"traceId":"W47/95gDgQPSabYzgT/GDA=="}]}]}]}
            """));

        Assert.StartsWith("resourceLogs[0].scopeLogs[0].logRecords[1].traceId is not a hex string", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_WrongFieldType_FormatException()
    {
        var ex = Assert.Throws<FormatException>(() => Read("""{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"timeUnixNano":"soon"}]}]}]}"""));

        Assert.StartsWith("not an OTLP ExportLogsServiceRequest", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"resourceLogs":[]}""", true)]
    [InlineData("""{"resource_logs":[]}""", true)]
    [InlineData("""{"service":"a","level":"INFO","message":"m"}""", false)]
    [InlineData("""[{"resourceLogs":[]}]""", false)]
    public void IsOtlp_TellsTheShapes(string json, bool expected) => Assert.Equal(expected, OtlpJsonReader.IsOtlp(JsonNode.Parse(json)));

    private static ExportLogsServiceRequest Read(string json) => OtlpJsonReader.Read((JsonObject)JsonNode.Parse(json)!);
}
