using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Collector.Forwarder.Otlp.V1;
using Collector.Protocol.Telemetry.V1;
using Collector.Tests.Infrastructure;
using Google.Protobuf;
using Grpc.Net.Client;
using static Collector.Tests.Otlp.OtlpEventMapperTests;

namespace Collector.Tests.Otlp;

/// <summary>POST /v1/metrics and /v1/traces and the gRPC Exports on a real collector: what is logged, partial success and every error answer.</summary>
public sealed class OtlpSignalHttpTests : CollectorTest
{
    private const string MetricsJson = """
        {"resourceMetrics":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"gpu-svc"}}]},
          "scopeMetrics":[{"scope":{"name":"Gpu.Meter"},"metrics":[
            {"name":"vram.used","unit":"By","gauge":{"dataPoints":[{"timeUnixNano":"1700000000000000123","asInt":"9007199254740993",
              "attributes":[{"key":"gpu","value":{"intValue":0}}]}]}},
            {"name":"infer.latency","histogram":{"aggregationTemporality":1,"dataPoints":[{"startTimeUnixNano":1700000000000000000,
              "timeUnixNano":1700000000000000999,"count":"3","sum":12.5,"bucketCounts":["1",2,"0"],"explicitBounds":[1,10],
              "exemplars":[{"timeUnixNano":"1700000000000000500","asDouble":7,"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174"}]}]}}]}]}]}
        """;

    private const string TracesJson = """
        {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"agent"}}]},
          "scopeSpans":[{"scope":{"name":"Agent"},"spans":[{"traceId":"5B8EFFF798038103D269B633813FC60C","spanId":"eee19b7ec3c1b174",
            "parentSpanId":"0102030405060708","name":"plan","kind":2,"startTimeUnixNano":"1700000000000000001","endTimeUnixNano":1700000000900000001,
            "status":{"code":2,"message":"timeout"},"links":[{"traceId":"00000000000000000000000000000001","spanId":"0000000000000002"}],
            "events":[{"timeUnixNano":"1700000000000000005","name":"tool.call","attributes":[{"key":"tool","value":{"stringValue":"search"}}]}]}]}]}]}
        """;

    [Fact]
    public async Task MetricsJson_PointsLoggedAsSent_200WithEmptyResponse()
    {
        using var response = await PostAsync("/v1/metrics", MetricsJson, "application/json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("{ }", await response.Content.ReadAsStringAsync());
        var stored = await LogContents.ReadAsync(Collector.App.Log);
        Assert.Equal(2, stored.Count);
        Assert.All(stored, e => Assert.Equal("otlp/gpu-svc", e.SourceId));
        var gauge = stored[0].Event;
        Assert.Equal((1_700_000_000_000_000_123ul, "0", 9_007_199_254_740_993L, MetricKind.Gauge), (gauge.TimeUnixNano, gauge.Attributes["gpu"], gauge.Metric.AsInt, gauge.Metric.Kind));
        var histogram = stored[1].Event.Metric;
        Assert.Equal((1_700_000_000_000_000_000ul, 3ul, 12.5, 1u), (histogram.StartTimeUnixNano, histogram.Count, histogram.Sum, histogram.Temporality));
        Assert.Equal([1ul, 2, 0], histogram.BucketCounts);
        Assert.Equal("5b8efff798038103d269b633813fc60c", Convert.ToHexStringLower(Assert.Single(histogram.Exemplars).TraceId.ToByteArray()));
        Assert.Equal(1_700_000_000_000_000_500ul, histogram.Exemplars[0].TimeUnixNano);
    }

    [Fact]
    public async Task TracesJson_SpanLoggedAsSent_HexIdsInEitherCase()
    {
        using var response = await PostAsync("/v1/traces", TracesJson, "application/json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var evt = Assert.Single(await LogContents.ReadAsync(Collector.App.Log)).Event;
        Assert.Equal(("5b8efff798038103d269b633813fc60c", "eee19b7ec3c1b174", "0102030405060708"), (Hex(evt.TraceId), Hex(evt.SpanId), Hex(evt.Span.ParentSpanId)));
        Assert.Equal((1_700_000_000_000_000_001ul, 1_700_000_000_900_000_001ul, SpanKind.Server, SpanStatus.Error, "timeout"), (evt.TimeUnixNano, evt.Span.EndTimeUnixNano, evt.Span.Kind, evt.Span.StatusCode, evt.Span.StatusMessage));
        Assert.Equal(("tool.call", "search"), (evt.Span.Events[0].Name, evt.Span.Events[0].Attributes["tool"]));
        Assert.Equal("00000000000000000000000000000001", Hex(evt.Span.Links[0].TraceId));
    }

    [Fact]
    public async Task TracesProtobuf_OneBadSpan_PartialSuccessNamingIt_RestLogged()
    {
        var request = JsonParser.Default.Parse<ExportTraceServiceRequest>("{}");
        request.ResourceSpans.Add(new ResourceSpans
        {
            ScopeSpans =
            {
                new ScopeSpans
                {
                    Spans =
                    {
                        new Span { TraceId = Bytes(16, 1), SpanId = Bytes(8, 2), Name = "good", StartTimeUnixNano = 5 },
                        new Span { TraceId = Bytes(16, 1), Name = "no span id", StartTimeUnixNano = 6 },
                    },
                },
            },
        });

        using var response = await PostAsync("/v1/traces", request.ToByteArray(), "application/x-protobuf");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = ExportTraceServiceResponse.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(1, answer.PartialSuccess.RejectedSpans);
        Assert.Equal("1 span(s) rejected; first: resource_spans[0].scope_spans[0].spans[1]: a span needs its trace_id and span_id", answer.PartialSuccess.ErrorMessage);
        Assert.Equal("good", Assert.Single(await LogContents.ReadAsync(Collector.App.Log)).Event.Span.Name);
    }

    [Fact]
    public async Task MetricsGrpc_BadHistogram_PartialSuccess_GoodPointLogged()
    {
        using var channel = GrpcChannel.ForAddress(Collector.GrpcUri);
        var client = new MetricsService.MetricsServiceClient(channel);
        var request = new ExportMetricsServiceRequest
        {
            ResourceMetrics =
            {
                new ResourceMetrics
                {
                    ScopeMetrics =
                    {
                        new ScopeMetrics
                        {
                            Metrics =
                            {
                                new Metric { Name = "ok", Gauge = new Gauge { DataPoints = { new NumberDataPoint { TimeUnixNano = 9, AsDouble = 1 } } } },
                                new Metric { Name = "bad", Histogram = new Histogram { AggregationTemporality = AggregationTemporality.Delta, DataPoints = { new HistogramDataPoint { TimeUnixNano = 9, ExplicitBounds = { 1 }, BucketCounts = { 1 } } } } },
                            },
                        },
                    },
                },
            },
        };

        var answer = await client.ExportAsync(request);

        Assert.Equal(1, answer.PartialSuccess.RejectedDataPoints);
        Assert.Contains("metrics[1].data_points[0]: metric.bucket_counts has 1 counts for 1 explicit_bounds", answer.PartialSuccess.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal("ok", Assert.Single(await LogContents.ReadAsync(Collector.App.Log)).Event.Metric.Name);
    }

    [Theory]
    [InlineData("/v1/metrics", "application/x-protobuf", "\u0001\u0002", 400, "the body is not an ExportMetricsServiceRequest")]
    [InlineData("/v1/traces", "application/json", """{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"W47/95gDgQPSabYzgT/GDA=="}]}]}]}""", 400, "resourceSpans[0].scopeSpans[0].spans[0].traceId is not a hex string")]
    [InlineData("/v1/metrics", "application/json", """{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"x","gauge":{"dataPoints":[{"timeUnixNano":"soon"}]}}]}]}]}""", 400, "not an OTLP ExportMetricsServiceRequest")]
    [InlineData("/v1/traces", "application/json", "[1,2]", 400, "the body must be a JSON object")]
    [InlineData("/v1/traces", "application/json", "{\"resourceSpans\":", 400, "the body is not valid JSON")]
    [InlineData("/v1/metrics", "text/plain", "{}", 415, "Content-Type 'text/plain' is not supported")]
    public async Task BadBody_ClearErrorNothingLogged_NextRequestFine(string path, string contentType, string body, int status, string message)
    {
        using var response = await PostAsync(path, body, contentType);

        Assert.Equal(status, (int)response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        var error = status == 415
            ? JsonDocument.Parse(text).RootElement.GetProperty("error").GetString()!
            : contentType.EndsWith("json", StringComparison.Ordinal)
                ? JsonDocument.Parse(text).RootElement.GetProperty("message").GetString()!
                : LogsHttpTests.ReadStatus(await response.Content.ReadAsByteArrayAsync()).Message;
        Assert.StartsWith(message, error, StringComparison.Ordinal);
        Assert.Empty(await LogContents.ReadAsync(Collector.App.Log));

        using var next = await PostAsync("/v1/traces", TracesJson, "application/json");
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
    }

    private static ByteString Bytes(int length, byte value) => ByteString.CopyFrom([.. Enumerable.Repeat(value, length)]);

    private static string Hex(ByteString id) => Convert.ToHexStringLower(id.ToByteArray());

    private Task<HttpResponseMessage> PostAsync(string path, string body, string contentType) => PostAsync(path, Encoding.UTF8.GetBytes(body), contentType);

    private async Task<HttpResponseMessage> PostAsync(string path, byte[] body, string contentType)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        using var http = new HttpClient();
        return await http.PostAsync(new Uri(Collector.HttpUri, path), content);
    }
}
