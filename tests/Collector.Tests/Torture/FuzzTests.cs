using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Collector.Forwarder.Otlp.V1;
using Collector.Protocol.Telemetry.V1;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

namespace Collector.Tests.Torture;

/// <summary>
/// Mutated messages through well-behaved clients (issue 14, scenario 6; <see cref="RawRequestFuzzTests"/> goes below
/// the clients): EventBatches on Send and on streams of ten, OTLP requests over gRPC and HTTP, JSON bodies on
/// /v1/logs, each to its own collector process. Every answer must be OK or a documented client error
/// (INVALID_ARGUMENT, HTTP 400), never INTERNAL, UNKNOWN, a 5xx, a dead connection or a dead collector; afterwards
/// /metrics counts the same requests and accepted events as the answers said, and the log holds exactly the
/// acknowledged events (<see cref="FuzzLedger"/>).
/// <para>
/// Replay: a failure prints its seed and input number; <c>COLLECTOR_FUZZ_SEED=s COLLECTOR_FUZZ_REPLAY=n dotnet test
/// tests/Collector.Tests -c Release --filter "FullyQualifiedName~FuzzTests.&lt;test&gt;"</c> sends input n again (of each
/// way in of that test; the message names the way in). <c>COLLECTOR_FUZZ_INPUTS</c> sets the inputs per way in:
/// 1,500 by default, 35,000 in <c>torture.sh --full</c>.
/// </para>
/// </summary>
public sealed class FuzzTests : FuzzTest
{
    private const string Send = "/telemetry.v1.Collector/Send";
    private const string Stream = "/telemetry.v1.Collector/Stream";
    private const string OtlpExport = "/opentelemetry.proto.collector.logs.v1.LogsService/Export";

    private static readonly Method<byte[], byte[]> SendBytes = Raw(MethodType.Unary, "telemetry.v1.Collector", "Send");

    private static readonly Method<byte[], byte[]> StreamBytes = Raw(MethodType.DuplexStreaming, "telemetry.v1.Collector", "Stream");

    private static readonly Method<byte[], byte[]> OtlpExportBytes = Raw(MethodType.Unary, "opentelemetry.proto.collector.logs.v1.LogsService", "Export");

    [Fact]
    public async Task MutatedEventBatches_OnSendAndStream_OkOrInvalidArgument_AcksAgreeWithMetricsAndLog()
    {
        var ledger = new FuzzLedger(nameof(MutatedEventBatches_OnSendAndStream_OkOrInvalidArgument_AcksAgreeWithMetricsAndLog), FuzzInputs.Seed(13));
        using var channel = GrpcChannel.ForAddress(Collector.GrpcUri);
        var invoker = channel.CreateCallInvoker();
        foreach (var i in FuzzInputs.Numbers(FuzzInputs.Count))
        {
            var random = FuzzInputs.Random(ledger.Seed, i);
            var input = FuzzInputs.Mutate(random, random.Pick(FuzzCorpus.Batches));
            ledger.Input();
            try
            {
                var ack = Ack.Parser.ParseFrom(await invoker.AsyncUnaryCall(SendBytes, null, Deadline(), input));
                ledger.Answered(Send, "OK");
                ledger.Accepted("grpc", ack.Accepted);
            }
            catch (RpcException ex)
            {
                Refused(ledger, Send, i, ex, input);
            }
        }

        // Streams of ten mutated batches (numbered apart from the Sends): a refused batch ends its stream, after the
        // Acks of those before it.
        foreach (var i in FuzzInputs.Numbers(FuzzInputs.Count / 10))
        {
            var random = FuzzInputs.Random(ledger.Seed, i, way: 1);
            var batches = Enumerable.Range(0, 10).Select(_ => FuzzInputs.Mutate(random, random.Pick(FuzzCorpus.Batches))).ToList();
            ledger.Input();
            await StreamAsync(ledger, invoker, i, batches);
        }

        await AssertStillServesAsync(ledger, invoker);
        await ledger.AssertCollectorAgreesAsync(Collector, DataDir);
    }

    [Fact]
    public async Task MutatedOtlpRequests_OnGrpcAndHttp_OkOrInvalidArgumentOr400_AcceptedAgreesWithMetricsAndLog()
    {
        var ledger = new FuzzLedger(nameof(MutatedOtlpRequests_OnGrpcAndHttp_OkOrInvalidArgumentOr400_AcceptedAgreesWithMetricsAndLog), FuzzInputs.Seed(14));
        using var channel = GrpcChannel.ForAddress(Collector.GrpcUri);
        var invoker = channel.CreateCallInvoker();
        using var http = new HttpClient { Timeout = RequestTimeout };
        foreach (var i in FuzzInputs.Numbers(FuzzInputs.Count))
        {
            var random = FuzzInputs.Random(ledger.Seed, i);
            var input = FuzzInputs.Mutate(random, random.Pick(FuzzCorpus.OtlpRequests));
            ledger.Input();
            try
            {
                var answer = ExportLogsServiceResponse.Parser.ParseFrom(await invoker.AsyncUnaryCall(OtlpExportBytes, null, Deadline(), input));
                ledger.Answered(OtlpExport, "OK");
                ledger.Accepted("otlp_grpc", FuzzCorpus.Records(ExportLogsServiceRequest.Parser.ParseFrom(input)) - (answer.PartialSuccess?.RejectedLogRecords ?? 0));
            }
            catch (RpcException ex)
            {
                Refused(ledger, OtlpExport, i, ex, input);
            }

            ledger.Input();
            await PostAsync(ledger, http, i, input, "application/x-protobuf");
        }

        await AssertStillServesAsync(ledger, invoker);
        await ledger.AssertCollectorAgreesAsync(Collector, DataDir);
    }

    [Fact]
    public async Task MutatedJsonBodies_OnV1Logs_OkOr400_AcceptedAgreesWithMetricsAndLog()
    {
        var ledger = new FuzzLedger(nameof(MutatedJsonBodies_OnV1Logs_OkOr400_AcceptedAgreesWithMetricsAndLog), FuzzInputs.Seed(15));
        using var http = new HttpClient { Timeout = RequestTimeout };
        foreach (var i in FuzzInputs.Numbers(FuzzInputs.Count))
        {
            var random = FuzzInputs.Random(ledger.Seed, i);
            var input = FuzzInputs.Mutate(random, random.Pick(FuzzCorpus.JsonBodies));
            ledger.Input();
            await PostAsync(ledger, http, i, input, "application/json");
        }

        await ledger.AssertCollectorAgreesAsync(Collector, DataDir);
    }

    private static async Task StreamAsync(FuzzLedger ledger, CallInvoker invoker, int input, List<byte[]> batches)
    {
        using var call = invoker.AsyncDuplexStreamingCall(StreamBytes, null, Deadline());
        try
        {
            foreach (var batch in batches)
            {
                await call.RequestStream.WriteAsync(batch);
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
                ledger.Accepted("grpc", Ack.Parser.ParseFrom(call.ResponseStream.Current).Accepted);
            }

            ledger.Answered(Stream, "OK");
        }
        catch (RpcException ex)
        {
            Refused(ledger, Stream, input, ex, batches.SelectMany(b => b).ToArray());
        }
    }

    /// <summary>POST /v1/logs: 200 (OTLP), 202 (JSON API) or 400, and what it acknowledged in the ledger.</summary>
    private async Task PostAsync(FuzzLedger ledger, HttpClient http, int input, byte[] body, string contentType)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        HttpResponseMessage response;
        try
        {
            response = await http.PostAsync(new Uri(Collector.HttpUri, "/v1/logs"), content);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException)
        {
            ledger.Fail(input, $"POST /v1/logs: no answer: {ex.Message}", Convert.ToBase64String(body));
            return;
        }

        using (response)
        {
            var answer = await response.Content.ReadAsByteArrayAsync();
            ledger.Answered("/v1/logs", ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture));
            switch (response.StatusCode)
            {
                case HttpStatusCode.OK when contentType == "application/x-protobuf":
                    var rejected = ExportLogsServiceResponse.Parser.ParseFrom(answer).PartialSuccess?.RejectedLogRecords ?? 0;
                    ledger.Accepted("otlp_http", FuzzCorpus.Records(ExportLogsServiceRequest.Parser.ParseFrom(body)) - rejected);
                    break;
                case HttpStatusCode.OK:
                    ledger.Accepted("otlp_http", FuzzCorpus.OtlpJsonRecords(body) - FuzzCorpus.OtlpJsonRejected(answer));
                    break;
                case HttpStatusCode.Accepted:
                    ledger.Accepted("json", JsonDocument.Parse(answer).RootElement.GetProperty("accepted").GetInt64());
                    break;
                case HttpStatusCode.BadRequest:
                    break;
                default:
                    ledger.Fail(input, $"POST /v1/logs ({contentType}) answered {(int)response.StatusCode}: {System.Text.Encoding.UTF8.GetString(answer)}", Convert.ToBase64String(body));
                    break;
            }
        }
    }

    /// <summary>A refused call: INVALID_ARGUMENT is documented (nothing of the message is stored); anything else is a failure.</summary>
    private static void Refused(FuzzLedger ledger, string method, int input, RpcException ex, byte[] bytes)
    {
        ledger.Answered(method, global::Collector.Host.Metrics.RequestMetrics.GrpcCode(ex.StatusCode));
        if (ex.StatusCode != StatusCode.InvalidArgument)
        {
            ledger.Fail(input, $"{method} ended {ex.StatusCode}: {ex.Status.Detail}", Convert.ToHexString(bytes));
        }
    }

    private static async Task AssertStillServesAsync(FuzzLedger ledger, CallInvoker invoker)
    {
        var batch = Infrastructure.Events.Batch($"after-fuzz-{ledger.Seed}", 0, 3).ToByteArray();
        var ack = Ack.Parser.ParseFrom(await invoker.AsyncUnaryCall(SendBytes, null, Deadline(), batch));
        ledger.Answered(Send, "OK");
        Assert.Equal(3u, ack.Accepted);
        ledger.Accepted("grpc", ack.Accepted);
    }

    private static CallOptions Deadline() => new(deadline: DateTime.UtcNow + RequestTimeout);

    private static Method<byte[], byte[]> Raw(MethodType type, string service, string name)
    {
        var bytes = Marshallers.Create(static (byte[] b) => b, static b => b);
        return new Method<byte[], byte[]>(type, service, name, bytes, bytes);
    }
}
