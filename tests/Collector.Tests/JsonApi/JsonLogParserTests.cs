using System.Text.Json.Nodes;
using Collector.Host.JsonApi;
using Collector.Protocol.Telemetry.V1;

namespace Collector.Tests.JsonApi;

public sealed class JsonLogParserTests
{
    [Fact]
    public void Parse_SeedExample_OneEvent()
    {
        var batches = Parse("""
            {"timestamp":"2025-08-25T10:00:00Z","service":"corerl","level":"INFO","message":"Agent started successfully.","correlation_id":"abc-123"}
            """, out var count, out var error);

        Assert.Null(error);
        Assert.Equal(1, count);
        var batch = Assert.Single(batches);
        Assert.Equal("json/corerl", batch.SourceId);
        var evt = Assert.Single(batch.Events);
        Assert.Equal(1_756_116_000_000_000_000ul, evt.TimeUnixNano);
        Assert.Equal("corerl", evt.Service);
        Assert.Equal(Severity.Info, evt.Severity);
        Assert.Equal("Agent started successfully.", evt.Message);
        Assert.Equal("abc-123", evt.CorrelationId);
        Assert.Equal("log", evt.EventType);
        Assert.Empty(evt.Attributes);
    }

    [Fact]
    public void Parse_ArrayOfServices_GroupedByServiceExtraFieldsAsAttributes()
    {
        var batches = Parse("""
            [
              {"service":"a","level":"warning","message":"1","gpu":3,"hot":true,"zone":"eu","note":null},
              {"service":"b","level":"Critical","message":"2","timestamp":"2025-08-25T12:00:00.123456789+02:00"},
              {"service":"a","level":"trace","message":"3"}
            ]
            """, out var count, out var error);

        Assert.Null(error);
        Assert.Equal(3, count);
        Assert.Equal(["json/a", "json/b"], batches.Select(b => b.SourceId));
        Assert.Equal(["1", "3"], batches[0].Events.Select(e => e.Message));
        var first = batches[0].Events[0];
        Assert.Equal(Severity.Warn, first.Severity);
        Assert.Equal(0ul, first.TimeUnixNano);
        Assert.Equal(new Dictionary<string, string>(StringComparer.Ordinal) { ["gpu"] = "3", ["hot"] = "true", ["zone"] = "eu" }, first.Attributes);
        Assert.Equal(Severity.Fatal, batches[1].Events[0].Severity);
        Assert.Equal(1_756_116_000_123_456_789ul, batches[1].Events[0].TimeUnixNano);
    }

    [Fact]
    public void Parse_EventFields_SetTheEventNotAttributes()
    {
        var batches = Parse("""
            [
              {"service":"inference","level":"INFO","message":"thought","event_type":"THOUGHT_LATENCY","component":"model-1","value":412.5,"tokens_generated":128,"prompt_tokens":4096,"gpu":"0"},
              {"service":"inference","level":"INFO","message":"loaded","event_type":"LOAD_LATENCY","component":"","value":-0.25e3,"tokens_generated":0}
            ]
            """, out var count, out var error);

        Assert.Null(error);
        Assert.Equal(2, count);
        var (thought, load) = (batches[0].Events[0], batches[0].Events[1]);
        Assert.Equal(("THOUGHT_LATENCY", "model-1", 412.5, 128u, 4096u), (thought.EventType, thought.Component, thought.Value, thought.TokensGenerated, thought.PromptTokens));
        Assert.Equal(new Dictionary<string, string>(StringComparer.Ordinal) { ["gpu"] = "0" }, thought.Attributes);
        Assert.Equal(("LOAD_LATENCY", "", -250.0, 0u, 0u), (load.EventType, load.Component, load.Value, load.TokensGenerated, load.PromptTokens));
        Assert.Empty(load.Attributes);
    }

    [Theory]
    [InlineData("""{"service":"a","level":"INFO","message":"m","event_type":""}""", "event_type", "event_type must not be empty")]
    [InlineData("""{"service":"a","level":"INFO","message":"m","event_type":7}""", "event_type", "event_type must be a string")]
    [InlineData("""{"service":"a","level":"INFO","message":"m","component":false}""", "component", "component must be a string")]
    [InlineData("""{"service":"a","level":"INFO","message":"m","value":"12"}""", "value", "value must be a finite JSON number")]
    [InlineData("""{"service":"a","level":"INFO","message":"m","value":1e999}""", "value", "value must be a finite JSON number")]
    [InlineData("""{"service":"a","level":"INFO","message":"m","tokens_generated":-1}""", "tokens_generated", "tokens_generated must be a whole number from 0 to 4294967295")]
    [InlineData("""{"service":"a","level":"INFO","message":"m","prompt_tokens":2.5}""", "prompt_tokens", "prompt_tokens must be a whole number from 0 to 4294967295")]
    [InlineData("""{"service":"a","level":"INFO","message":"m","prompt_tokens":4294967296}""", "prompt_tokens", "prompt_tokens must be a whole number from 0 to 4294967295")]
    public void Parse_BadEventField_NamesIt(string json, string field, string message)
    {
        Parse(json, out _, out var error);

        Assert.Equal(new JsonLogError(field, message), error);
    }

    [Theory]
    [InlineData("""{"level":"INFO","message":"m"}""", "service", "service is required")]
    [InlineData("""{"service":"","level":"INFO","message":"m"}""", "service", "service must not be empty")]
    [InlineData("""{"service":"a","message":"m"}""", "level", "level is required")]
    [InlineData("""{"service":"a","level":"LOUD","message":"m"}""", "level", "level must be one of TRACE, DEBUG, INFO, WARN, WARNING, ERROR, FATAL, CRITICAL (case-insensitive)")]
    [InlineData("""{"service":"a","level":3,"message":"m"}""", "level", "level must be one of TRACE, DEBUG, INFO, WARN, WARNING, ERROR, FATAL, CRITICAL (case-insensitive)")]
    [InlineData("""{"service":"a","level":"INFO"}""", "message", "message is required")]
    [InlineData("""{"service":"a","level":"INFO","message":42}""", "message", "message must be a string")]
    [InlineData("""{"service":"a","level":"INFO","message":"m","timestamp":"yesterday"}""", "timestamp", "timestamp must be an RFC 3339 date-time with an offset, e.g. 2025-08-25T10:00:00Z, not before 1970")]
    [InlineData("""{"service":"a","level":"INFO","message":"m","timestamp":"2025-08-25T10:00:00"}""", "timestamp", "timestamp must be an RFC 3339 date-time with an offset, e.g. 2025-08-25T10:00:00Z, not before 1970")]
    [InlineData("""{"service":"a","level":"INFO","message":"m","correlation_id":["x"]}""", "correlation_id", "correlation_id must be a string")]
    [InlineData("""{"service":"a","level":"INFO","message":"m","extra":{"x":1}}""", "extra", "extra field extra must be a string, number or boolean")]
    [InlineData("""[{"service":"a","level":"INFO","message":"m"},{"service":"a","level":"nope","message":"m"}]""", "[1].level", "level must be one of TRACE, DEBUG, INFO, WARN, WARNING, ERROR, FATAL, CRITICAL (case-insensitive)")]
    [InlineData("""[{"service":"a","level":"INFO","message":"m"},"text"]""", "[1]", "a log entry must be a JSON object")]
    [InlineData("42", "", "the body must be a log entry object or an array of them")]
    public void Parse_SchemaError_NamesTheField(string json, string field, string message)
    {
        var batches = Parse(json, out _, out var error);

        Assert.Empty(batches);
        Assert.NotNull(error);
        Assert.Equal(field, error.Field);
        Assert.Equal(message, error.Error);
    }

    [Fact]
    public void Parse_TextOverTheEventLimits_NamesTheField()
    {
        var longService = $$"""{"service":"{{new string('s', 257)}}","level":"INFO","message":"m"}""";
        var longMessage = $$"""[{"service":"a","level":"INFO","message":"{{new string('m', 64 * 1024 + 1)}}"}]""";

        Parse(longService, out _, out var serviceError);
        Parse(longMessage, out _, out var messageError);

        Assert.Equal(new JsonLogError("service", "service is 257 characters; the limit is 256"), serviceError);
        Assert.Equal(new JsonLogError("[0].message", "message is 65537 characters; the limit is 65536"), messageError);
    }

    [Theory]
    [InlineData("2025-08-25T10:00:00Z", 1_756_116_000_000_000_000ul)]
    [InlineData("2025-08-25t10:00:00.5z", 1_756_116_000_500_000_000ul)]
    [InlineData("2025-08-25 11:00:00.000000001+01:00", 1_756_116_000_000_000_001ul)]
    [InlineData("1970-01-01T00:00:00Z", 0ul)]
    public void Rfc3339_Valid_UnixNanoseconds(string text, ulong expected)
    {
        Assert.True(Rfc3339.TryParseUnixNanoseconds(text, out var nanos));
        Assert.Equal(expected, nanos);
    }

    [Theory]
    [InlineData("2025-08-25")]
    [InlineData("2025-13-25T10:00:00Z")]
    [InlineData("2025-08-25T10:00:00.1234567891Z")]
    [InlineData("1969-12-31T23:59:59Z")]
    [InlineData("1756116000")]
    public void Rfc3339_Invalid_False(string text) => Assert.False(Rfc3339.TryParseUnixNanoseconds(text, out _));

    private static List<Collector.Host.Ingest.SourceEvents> Parse(string json, out int count, out JsonLogError? error) =>
        JsonLogParser.Parse(JsonNode.Parse(json), out count, out error);
}
