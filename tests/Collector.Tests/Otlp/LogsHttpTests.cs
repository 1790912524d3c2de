using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Collector.Forwarder.Otlp.V1;
using Collector.Host.Ingest;
using Collector.Protocol.Telemetry.V1;
using Collector.Protocol.Wire;
using Collector.Tests.Infrastructure;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using static Collector.Tests.Otlp.OtlpEventMapperTests;

namespace Collector.Tests.Otlp;

/// <summary>POST /v1/logs and LogsService/Export on a real collector: what is stored, and every error answer.</summary>
public sealed class LogsHttpTests : CollectorTest
{
    private const string SeedEntry = """{"timestamp":"2025-08-25T10:00:00Z","service":"corerl","level":"INFO","message":"Agent started successfully.","correlation_id":"abc-123"}""";

    [Fact]
    public async Task JsonApi_SeedEntry_202OnceDurable()
    {
        using var response = await PostAsync(SeedEntry, "application/json");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("""{"accepted":1,"rejected":0}""", await response.Content.ReadAsStringAsync());
        var stored = Assert.Single(await LogContents.ReadAsync(Collector.App.Log));
        Assert.Equal("json/corerl", stored.SourceId);
        Assert.Equal(0ul, stored.Sequence);
        Assert.Equal(new Event { TimeUnixNano = 1_756_116_000_000_000_000, EventType = "log", Severity = Severity.Info, Message = "Agent started successfully.", Service = "corerl", CorrelationId = "abc-123" }, stored.Event);
        Assert.Equal(1, Counters.For(IngestProtocol.Json).Accepted);
    }

    [Fact]
    public async Task JsonApi_ArrayWithOneBadEntry_400NamingTheFieldAndNothingStored()
    {
        var body = $$"""[{{SeedEntry}}, {"service":"corerl","level":"LOUD","message":"m"}]""";

        using var response = await PostAsync(body, "application/json; charset=utf-8");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("[1].level", error.RootElement.GetProperty("field").GetString());
        Assert.StartsWith("level must be one of TRACE", error.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Empty(await LogContents.ReadAsync(Collector.App.Log));
        Assert.Equal((0L, 2L), (Counters.For(IngestProtocol.Json).Accepted, Counters.For(IngestProtocol.Json).Rejected));
    }

    [Fact]
    public async Task JsonApi_NotJson_400()
    {
        using var response = await PostAsync("{\"service\":", "application/json");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith("the body is not valid JSON", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"timestamp":"2025-08-25T10:00:00Z","service":"s#BAD#","level":"INFO","message":"m","correlation_id":"c"}""")] // in a value
    [InlineData("""{"timestamp":"2025-08-25T10:00:00Z","serv#BAD#":"s","level":"INFO","message":"m","correlation_id":"c"}""")] // in a property name
    [InlineData("""{"resourceLog#BAD#":[]}""")] // in the OTLP key, which then does not name OTLP
    public async Task JsonApi_InvalidUtf8_400NamingTheByte_NothingStored_NextRequestFine(string template)
    {
        using var response = await PostAsync(WithInvalidByte(template), "application/json");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith("the body is not valid UTF-8 (byte", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
        await AssertNothingStoredAndNextRequestFineAsync();
    }

    [Theory]
    [InlineData("""{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"bad #BAD#"}}]}]}]}""")] // in a value
    [InlineData("""{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"bo#BAD#dy":{"stringValue":"b"}}]}]}]}""")] // in a property name
    [InlineData("""{"resourceLogs":[],"#BAD#":1}""")] // in a top-level name beside the OTLP key
    public async Task OtlpJson_InvalidUtf8_400WithJsonStatusNamingTheByte_NothingStored_NextRequestFine(string template)
    {
        using var response = await PostAsync(WithInvalidByte(template), "application/json");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var status = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal((int)StatusCode.InvalidArgument, status.RootElement.GetProperty("code").GetInt32());
        Assert.StartsWith("the body is not valid UTF-8 (byte", status.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
        await AssertNothingStoredAndNextRequestFineAsync();
    }

    [Theory]
    [InlineData("""{"timestamp":"2025-08-25T10:00:00Z","service":"a","service":"b","level":"INFO","message":"m"}""", "error", "'service'")]
    [InlineData("""{"resourceLogs":[],"resourceLogs":[]}""", "message", "'resourceLogs'")]
    [InlineData("""{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"x"},"body":{"stringValue":"y"}}]}]}]}""", "message", "'body'")]
    public async Task Json_NameTwiceInAnObject_400NamingIt_InItsShapesFormat(string body, string textField, string named)
    {
        using var response = await PostAsync(body, "application/json");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var text = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty(textField).GetString();
        Assert.Contains("Duplicate property " + named, text, StringComparison.Ordinal);
        await AssertNothingStoredAndNextRequestFineAsync();
    }

    [Fact]
    public async Task OtlpJson_NotJson_400WithJsonStatus()
    {
        using var response = await PostAsync("""{"resourceLogs":[{"scopeLogs":""", "application/json");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var status = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal((int)StatusCode.InvalidArgument, status.RootElement.GetProperty("code").GetInt32());
        Assert.StartsWith("the body is not valid JSON", status.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_MutatedBodies_NeverA5xx()
    {
        var seeds = new[]
        {
            Encoding.UTF8.GetBytes(SeedEntry),
            Encoding.UTF8.GetBytes("""{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"timeUnixNano":"1700000000000000001","body":{"stringValue":"x"}}]}]}]}"""),
        };
        var random = new Random(12);
        for (var i = 0; i < 300; i++)
        {
            var body = (byte[])seeds[i % seeds.Length].Clone();
            for (var m = 0; m < 1 + (i % 4); m++)
            {
                body[random.Next(body.Length)] = (byte)random.Next(256);
            }

            using var response = await PostAsync(body, "application/json");
            var answer = await response.Content.ReadAsStringAsync();
            Assert.True((int)response.StatusCode < 500, $"body {i} ({Convert.ToHexString(body)}) answered {(int)response.StatusCode}: {answer}");
            if (!response.IsSuccessStatusCode)
            {
                // Says what is wrong, in one of the endpoint's two error formats.
                var error = JsonDocument.Parse(answer).RootElement;
                Assert.True(error.TryGetProperty("error", out var text) || error.TryGetProperty("message", out text), answer);
                Assert.False(string.IsNullOrEmpty(text.GetString()), answer);
            }
        }

        using var valid = await PostAsync(SeedEntry, "application/json");
        Assert.Equal(HttpStatusCode.Accepted, valid.StatusCode);
    }

    [Fact]
    public async Task JsonApi_Gzip_Stored()
    {
        using var content = new ByteArrayContent(Gzip(Encoding.UTF8.GetBytes(SeedEntry)));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        content.Headers.ContentEncoding.Add("gzip");

        using var response = await SendAsync(content);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("Agent started successfully.", Assert.Single(await LogContents.ReadAsync(Collector.App.Log)).Event.Message);
    }

    [Fact]
    public async Task Post_OtherContentType_415NamingTheAcceptedOnes()
    {
        using var response = await PostAsync(SeedEntry, "text/plain");

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString()!;
        Assert.Contains("application/x-protobuf", error, StringComparison.Ordinal);
        Assert.Contains("application/json", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_UnknownContentEncoding_415()
    {
        using var content = new StringContent(SeedEntry, Encoding.UTF8, "application/json");
        content.Headers.ContentEncoding.Add("br");

        using var response = await SendAsync(content);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Contains("Content-Encoding 'br' is not supported", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_BodyOverMaxMessageSize_413()
    {
        var max = Collector.App.Options.MaxReceiveMessageBytes;

        using var plain = await PostAsync(new byte[max + 1], "application/x-protobuf");
        using var content = new ByteArrayContent(Gzip(new byte[max + 1]));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        content.Headers.ContentEncoding.Add("gzip");
        using var inflated = await SendAsync(content);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, plain.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, inflated.StatusCode);
        Assert.Equal((StatusCode.ResourceExhausted, $"the inflated body exceeds the limit of {max} bytes"), ReadStatus(await inflated.Content.ReadAsByteArrayAsync()));
        Assert.Empty(await LogContents.ReadAsync(Collector.App.Log));
    }

    [Fact]
    public async Task OtlpProtobuf_NotARequest_400WithProtobufStatus()
    {
        using var response = await PostAsync([0xFF, 0xFF, 0xFF], "application/x-protobuf");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/x-protobuf", response.Content.Headers.ContentType?.MediaType);
        var (code, message) = ReadStatus(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(StatusCode.InvalidArgument, code);
        Assert.StartsWith("the body is not an ExportLogsServiceRequest", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OtlpProtobuf_OneBadTraceId_PartialSuccessOthersStored()
    {
        var request = Request("shop", new LogRecord { Body = Text("kept"), SeverityNumber = SeverityNumber.Info });
        request.ResourceLogs[0].ScopeLogs[0].LogRecords.Add(new LogRecord { Body = Text("refused"), TraceId = ByteString.CopyFrom(1, 2) });

        using var response = await PostAsync(request.ToByteArray(), "application/x-protobuf");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = ExportLogsServiceResponse.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(1, answer.PartialSuccess.RejectedLogRecords);
        Assert.Equal("1 log record(s) rejected; first: resource_logs[0].scope_logs[0].log_records[1]: trace_id is 2 bytes; it must be 16 bytes", answer.PartialSuccess.ErrorMessage);
        var stored = Assert.Single(await LogContents.ReadAsync(Collector.App.Log));
        Assert.Equal(("otlp/shop", "kept", Severity.Info), (stored.SourceId, stored.Event.Message, stored.Event.Severity));
        Assert.Equal((1L, 1L), (Counters.For(IngestProtocol.OtlpHttp).Accepted, Counters.For(IngestProtocol.OtlpHttp).Rejected));
    }

    [Fact]
    public async Task OtlpJson_HexIds_200JsonAndStored()
    {
        const string body = """
            {"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"web"}}]},
              "scopeLogs":[{"logRecords":[{"timeUnixNano":"1700000000000000001","severityNumber":13,"body":{"stringValue":"slow"},
                "traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad6b7169203331"}]}]}]}
            """;

        using var response = await PostAsync(body, "application/json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("{ }", await response.Content.ReadAsStringAsync());
        var stored = Assert.Single(await LogContents.ReadAsync(Collector.App.Log)).Event;
        Assert.Equal(("web", Severity.Warn, 1_700_000_000_000_000_001ul), (stored.Service, stored.Severity, stored.TimeUnixNano));
        Assert.Equal("0af7651916cd43dd8448eb211c80319c", Convert.ToHexStringLower(stored.TraceId.ToByteArray()));
        Assert.Equal("b7ad6b7169203331", Convert.ToHexStringLower(stored.SpanId.ToByteArray()));
    }

    [Fact]
    public async Task OtlpJson_Base64TraceId_400WithJsonStatus()
    {
        const string body = """{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"traceId":"CvdlGRbNQ92ESOshHIAxnA=="}]}]}]}""";

        using var response = await PostAsync(body, "application/json");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var status = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal((int)StatusCode.InvalidArgument, status.RootElement.GetProperty("code").GetInt32());
        Assert.StartsWith("resourceLogs[0].scopeLogs[0].logRecords[0].traceId is not a hex string", status.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Empty(await LogContents.ReadAsync(Collector.App.Log));
    }

    [Fact]
    public async Task OtlpGrpc_Export_ResponseAfterDurable()
    {
        var request = Request("grpc-svc", new LogRecord { Body = Text("over grpc"), SeverityNumber = SeverityNumber.Error });
        request.ResourceLogs[0].ScopeLogs[0].LogRecords.Add(new LogRecord { Body = Text("bad span"), SpanId = ByteString.CopyFrom(new byte[7]) });

        var response = await RawGrpc.PostAsync(Collector.GrpcUri, "/opentelemetry.proto.collector.logs.v1.LogsService/Export", RawGrpc.Frame(request.ToByteArray()));

        Assert.Equal("0", response.GrpcStatus);
        var answer = ExportLogsServiceResponse.Parser.ParseFrom(response.Body.AsSpan(5));
        Assert.Equal(1, answer.PartialSuccess.RejectedLogRecords);
        Assert.Contains("span_id is 7 bytes", answer.PartialSuccess.ErrorMessage, StringComparison.Ordinal);
        var stored = Assert.Single(await LogContents.ReadAsync(Collector.App.Log));
        Assert.Equal(("otlp/grpc-svc", "over grpc", Severity.Error), (stored.SourceId, stored.Event.Message, stored.Event.Severity));
    }

    [Fact]
    public async Task OtlpGrpc_NotARequest_InvalidArgument()
    {
        var response = await RawGrpc.PostAsync(Collector.GrpcUri, "/opentelemetry.proto.collector.logs.v1.LogsService/Export", RawGrpc.Frame([0x0A, 0x05, 0x01]));

        Assert.Equal(((int)StatusCode.InvalidArgument).ToString(System.Globalization.CultureInfo.InvariantCulture), response.GrpcStatus);
        Assert.StartsWith("message is not an ExportLogsServiceRequest", response.GrpcMessage, StringComparison.Ordinal);
        Assert.Empty(await LogContents.ReadAsync(Collector.App.Log));
    }

    private IngestCounters Counters => Collector.App.Services.GetRequiredService<IngestCounters>();

    /// <summary>The template with 0xFF, a byte UTF-8 never has, where it says #BAD#.</summary>
    private static byte[] WithInvalidByte(string template)
    {
        var parts = template.Split("#BAD#").Select(Encoding.UTF8.GetBytes).ToArray();
        return [.. parts[0], 0xFF, .. parts[1]];
    }

    private async Task AssertNothingStoredAndNextRequestFineAsync()
    {
        Assert.Empty(await LogContents.ReadAsync(Collector.App.Log));
        using var next = await PostAsync(SeedEntry, "application/json");
        Assert.Equal(HttpStatusCode.Accepted, next.StatusCode);
    }

    private Task<HttpResponseMessage> PostAsync(string body, string contentType) => PostAsync(Encoding.UTF8.GetBytes(body), contentType);

    private async Task<HttpResponseMessage> PostAsync(byte[] body, string contentType)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return await SendAsync(content);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpContent content)
    {
        using var http = new HttpClient();
        return await http.PostAsync(new Uri(Collector.HttpUri, "/v1/logs"), content);
    }

    private static byte[] Gzip(byte[] plain)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest))
        {
            gzip.Write(plain);
        }

        return buffer.ToArray();
    }

    /// <summary>Decodes a google.rpc.Status: code (field 1, varint) and message (field 2, string).</summary>
    internal static (StatusCode Code, string Message) ReadStatus(byte[] status)
    {
        var position = 0;
        var code = 0ul;
        var message = string.Empty;
        while (position < status.Length)
        {
            Assert.True(ProtoWire.TryReadTag(status, ref position, out var tag));
            if (tag == 0x08)
            {
                Assert.True(ProtoWire.TryReadVarint(status, ref position, out code));
            }
            else
            {
                Assert.Equal(0x12u, tag);
                Assert.True(ProtoWire.TryReadLengthDelimited(status, ref position, out var start, out var length));
                message = Encoding.UTF8.GetString(status, start, length);
            }
        }

        return ((StatusCode)code, message);
    }
}
