using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Collector.Forwarder.Otlp.V1;
using Collector.Protocol.Telemetry.V1;
using Collector.Tests.Infrastructure;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Collector.Tests.Torture;

/// <summary>
/// Mutated inputs at every way in, against a real collector: each answer must be OK or a documented client error
/// (INVALID_ARGUMENT, HTTP 400), never INTERNAL, UNKNOWN, a 5xx or a dead connection, and the Acks must add up to what
/// the collector counted. The mutations come from a fixed seed, so a failure names the seed and the input number that
/// replays it. CI runs a few thousand inputs; <c>COLLECTOR_FUZZ_INPUTS</c> sets how many per way in (the full mode runs
/// 25,000 each: 100,000 in all).
/// </summary>
public sealed class FuzzTests : CollectorTest
{
    private const int Seed = 13;

    private static readonly Method<byte[], byte[]> Send = Raw(MethodType.Unary, "telemetry.v1.Collector", "Send");

    private static readonly Method<byte[], byte[]> Stream = Raw(MethodType.DuplexStreaming, "telemetry.v1.Collector", "Stream");

    private static readonly Method<byte[], byte[]> OtlpExport = Raw(MethodType.Unary, "opentelemetry.proto.collector.logs.v1.LogsService", "Export");

    private static int Inputs => int.TryParse(Environment.GetEnvironmentVariable("COLLECTOR_FUZZ_INPUTS"), out var n) && n > 0 ? n : 1500;

    [Fact]
    public async Task MutatedEventBatches_OnSendAndStream_OkOrInvalidArgument_AcksMatchCounters()
    {
        var invoker = Collector.CreateCallInvoker();
        var seeds = new[]
        {
            Events.Batch("fuzz-send", 1, 5).ToByteArray(),
            Events.Batch("fuzz-unsequenced", 0, 3).ToByteArray(),
            Events.Batch("fuzz-one", 7, 1).ToByteArray(),
        };
        var mutator = new Mutator(Seed);
        long accepted = 0;
        for (var i = 0; i < Inputs; i++)
        {
            var input = mutator.Mutate(seeds[i % seeds.Length]);
            try
            {
                var ack = Ack.Parser.ParseFrom(await invoker.AsyncUnaryCall(Send, null, default, input));
                accepted += ack.Accepted;
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.InvalidArgument)
            {
                // A documented refusal: nothing of the batch is stored.
            }
            catch (RpcException ex)
            {
                Assert.Fail($"Send input {i} (seed {Seed}) ended {ex.StatusCode}: {ex.Status.Detail}; bytes {Convert.ToHexString(input)}");
            }
        }

        // Streams of several mutated batches: the stream ends at the first refused one, after the Acks of those before.
        for (var i = 0; i < Inputs / 10; i++)
        {
            using var call = invoker.AsyncDuplexStreamingCall(Stream, null, default);
            var written = new List<byte[]>();
            try
            {
                for (var j = 0; j < 10; j++)
                {
                    var input = mutator.Mutate(seeds[j % seeds.Length]);
                    written.Add(input);
                    await call.RequestStream.WriteAsync(input);
                }

                await call.RequestStream.CompleteAsync();
            }
            catch (Exception ex) when (ex is RpcException or InvalidOperationException or IOException or HttpRequestException)
            {
                // The stream ended early (a refused batch); its status is read below.
            }

            try
            {
                while (await call.ResponseStream.MoveNext(CancellationToken.None))
                {
                    accepted += Ack.Parser.ParseFrom(call.ResponseStream.Current).Accepted;
                }
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.InvalidArgument)
            {
            }
            catch (RpcException ex)
            {
                Assert.Fail($"stream {i} (seed {Seed}) ended {ex.StatusCode}: {ex.Status.Detail}; batches {string.Join(" ", written.Select(Convert.ToHexString))}");
            }
        }

        Assert.Equal(accepted, Collector.App.Services.GetRequiredService<Collector.Host.Ingest.IngestCounters>().Accepted);
    }

    [Fact]
    public async Task MutatedOtlpRequests_OnGrpcAndHttp_OkOrInvalidArgumentOr400()
    {
        var invoker = Collector.CreateCallInvoker();
        var seed = OtlpRequest().ToByteArray();
        var mutator = new Mutator(Seed + 1);
        using var http = new HttpClient();
        var logs = new Uri(Collector.HttpUri, "/v1/logs");
        for (var i = 0; i < Inputs; i++)
        {
            var input = mutator.Mutate(seed);
            try
            {
                ExportLogsServiceResponse.Parser.ParseFrom(await invoker.AsyncUnaryCall(OtlpExport, null, default, input));
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.InvalidArgument)
            {
            }
            catch (RpcException ex)
            {
                Assert.Fail($"OTLP/gRPC input {i} (seed {Seed + 1}) ended {ex.StatusCode}: {ex.Status.Detail}; bytes {Convert.ToHexString(input)}");
            }

            using var response = await PostAsync(http, logs, input, "application/x-protobuf");
            Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.BadRequest, $"OTLP/HTTP input {i} (seed {Seed + 1}) answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}; bytes {Convert.ToHexString(input)}");
        }
    }

    [Fact]
    public async Task MutatedJsonBodies_OnV1Logs_AnsweredOkOr400()
    {
        string[] seeds =
        [
            """{"timestamp":"2025-08-25T10:00:00Z","service":"fuzz","level":"INFO","message":"started","correlation_id":"c-1"}""",
            """[{"service":"fuzz","level":"WARN","message":"a"},{"service":"fuzz","level":"ERROR","message":"b","attributes":{"k":"v"}}]""",
            """{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"fuzz"}}]},"scopeLogs":[{"logRecords":[{"timeUnixNano":"1700000000000000000","severityNumber":9,"body":{"stringValue":"hi"},"traceId":"5b8efff798038103d269b633813fc60c"}]}]}]}""",
        ];
        var mutator = new Mutator(Seed + 2);
        using var http = new HttpClient();
        var logs = new Uri(Collector.HttpUri, "/v1/logs");
        for (var i = 0; i < Inputs; i++)
        {
            var input = mutator.Mutate(Encoding.UTF8.GetBytes(seeds[i % seeds.Length]));
            using var response = await PostAsync(http, logs, input, "application/json");
            Assert.True(
                response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Accepted or HttpStatusCode.BadRequest,
                $"JSON input {i} (seed {Seed + 2}) answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}; body {Convert.ToBase64String(input)}");
        }
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient http, Uri url, byte[] body, string contentType)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return await http.PostAsync(url, content);
    }

    private static ExportLogsServiceRequest OtlpRequest()
    {
        var record = new LogRecord
        {
            TimeUnixNano = 1_700_000_000_000_000_000,
            SeverityNumber = SeverityNumber.Warn,
            Body = new AnyValue { StringValue = "fuzz seed" },
            TraceId = ByteString.CopyFrom(new byte[16]),
            SpanId = ByteString.CopyFrom([1, 2, 3, 4, 5, 6, 7, 8]),
        };
        record.Attributes.Add(new KeyValue { Key = "k", Value = new AnyValue { IntValue = 7 } });
        var scope = new ScopeLogs();
        scope.LogRecords.Add(record);
        var resource = new ResourceLogs { Resource = new Resource() };
        resource.Resource.Attributes.Add(new KeyValue { Key = "service.name", Value = new AnyValue { StringValue = "fuzz" } });
        resource.ScopeLogs.Add(scope);
        var request = new ExportLogsServiceRequest();
        request.ResourceLogs.Add(resource);
        return request;
    }

    private static Method<byte[], byte[]> Raw(MethodType type, string service, string name)
    {
        var bytes = Marshallers.Create(static (byte[] b) => b, static b => b);
        return new Method<byte[], byte[]>(type, service, name, bytes, bytes);
    }

    /// <summary>Byte-level mutations of a valid input, the kinds a fuzzer starts with: flips, overwrites, cuts, repeats.</summary>
    private sealed class Mutator(int seed)
    {
        private readonly Random _random = new(seed);

        public byte[] Mutate(byte[] input)
        {
            var bytes = new List<byte>(input);
            var steps = 1 + _random.Next(4);
            for (var s = 0; s < steps; s++)
            {
                var at = bytes.Count == 0 ? 0 : _random.Next(bytes.Count);
                switch (_random.Next(6))
                {
                    case 0 when bytes.Count > 0:
                        bytes[at] ^= (byte)(1 << _random.Next(8));
                        break;
                    case 1 when bytes.Count > 0:
                        bytes[at] = (byte)_random.Next(256);
                        break;
                    case 2:
                        bytes.RemoveRange(at, Math.Min(bytes.Count - at, 1 + _random.Next(8)));
                        break;
                    case 3:
                        bytes.InsertRange(at, Enumerable.Range(0, 1 + _random.Next(8)).Select(_ => (byte)_random.Next(256)));
                        break;
                    case 4 when bytes.Count > 1:
                        var length = 1 + _random.Next(Math.Min(16, bytes.Count - at));
                        bytes.InsertRange(at, bytes.GetRange(at, length));
                        break;
                    default:
                        bytes.Insert(at, (byte)"\"{}[]:,\\0\xff"[_random.Next(10)]);
                        break;
                }
            }

            return [.. bytes];
        }
    }
}
