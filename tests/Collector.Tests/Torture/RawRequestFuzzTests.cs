using System.Net;
using System.Text.Json;
using Collector.Forwarder.Otlp.V1;
using Collector.Protocol.Telemetry.V1;
using Collector.Tests.Infrastructure;
using Google.Protobuf;
using Grpc.Core;
using Xunit.Sdk;

namespace Collector.Tests.Torture;

/// <summary>
/// The fuzzer below the clients (issue 14, scenario 6): requests whose every byte on the wire the test wrote.
/// gRPC: length-prefixed frames built by hand (<see cref="MutatedGrpcRequest"/>) to Send, Stream and OTLP Export, and
/// to methods that do not exist, over one HTTP/2 connection. HTTP: raw bodies to POST /v1/logs with Content-Type and
/// Content-Encoding that may not fit (<see cref="MutatedLogsRequest"/>). Every answer must be OK or a documented
/// client error (README, "Call errors" and "Errors on /v1/logs"): INVALID_ARGUMENT, RESOURCE_EXHAUSTED, UNIMPLEMENTED,
/// HTTP 415 to a request that is not gRPC; HTTP 400, 413, 415 on /v1/logs. Never INTERNAL (malformed framing is the
/// client's fault too), UNKNOWN, a 5xx, a reset, a hang or a dead collector. Then
/// /metrics must count the same requests by code and the same accepted events, and the log hold exactly the events
/// the answers acknowledged (<see cref="FuzzLedger"/>).
/// <para>
/// Replay: a failure prints its seed and input number; <c>COLLECTOR_FUZZ_SEED=s COLLECTOR_FUZZ_REPLAY=n dotnet test
/// tests/Collector.Tests -c Release --filter "FullyQualifiedName~RawRequestFuzzTests.&lt;test&gt;"</c> sends that one
/// input again (it is made from the seed and its number alone). <c>COLLECTOR_FUZZ_INPUTS</c> sets the inputs per test.
/// </para>
/// </summary>
public sealed class RawRequestFuzzTests : FuzzTest
{
    /// <summary>INTERNAL is documented only for framing errors, by their messages (grpc-dotnet's own, and the flag's).</summary>
    [Fact]
    public async Task MutatedGrpcFrames_OnSendStreamAndOtlpExport_OkOrDocumentedErrors_AcksAgreeWithMetricsAndLog()
    {
        var ledger = new FuzzLedger(nameof(MutatedGrpcFrames_OnSendStreamAndOtlpExport_OkOrDocumentedErrors_AcksAgreeWithMetricsAndLog), FuzzInputs.Seed(16));
        using var http = new HttpClient(new SocketsHttpHandler());
        var maxMessageBytes = 4 * 1024 * 1024;
        foreach (var i in FuzzInputs.Numbers(FuzzInputs.Count))
        {
            var request = MutatedGrpcRequest.Make(FuzzInputs.Random(ledger.Seed, i), FuzzCorpus.Batches, FuzzCorpus.OtlpRequests, maxMessageBytes);
            ledger.Input();
            RawResponse response;
            try
            {
                using var timeout = new CancellationTokenSource(RequestTimeout);
                response = await RawGrpc.PostAsync(http, Collector.GrpcUri, request.Path, request.Content(), request.Headers, timeout.Token);
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException)
            {
                ledger.Fail(i, $"no answer: {ex.GetType().Name}: {ex.Message}", request);
                continue;
            }

            ledger.Answered(request.Method, CodeLabel(response));
            CheckGrpcAnswer(ledger, i, request, response);
        }

        await AssertStillServesAsync(ledger, http);
        await ledger.AssertCollectorAgreesAsync(Collector, DataDir);
    }

    [Fact]
    public async Task RawBodiesWithMutatedContentTypeAndEncoding_OnV1Logs_OkOr4xx_AcceptedAgreesWithMetricsAndLog()
    {
        var ledger = new FuzzLedger(nameof(RawBodiesWithMutatedContentTypeAndEncoding_OnV1Logs_OkOr4xx_AcceptedAgreesWithMetricsAndLog), FuzzInputs.Seed(17));
        using var http = new HttpClient { Timeout = RequestTimeout };
        var logs = new Uri(Collector.HttpUri, "/v1/logs");
        foreach (var i in FuzzInputs.Numbers(FuzzInputs.Count))
        {
            var request = MutatedLogsRequest.Make(FuzzInputs.Random(ledger.Seed, i), FuzzCorpus.OtlpRequests, FuzzCorpus.JsonBodies);
            ledger.Input();
            HttpResponseMessage response;
            try
            {
                response = await http.PostAsync(logs, request.Content());
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException)
            {
                ledger.Fail(i, $"no answer: {ex.GetType().Name}: {ex.Message}", request);
                continue;
            }

            using (response)
            {
                var status = (int)response.StatusCode;
                ledger.Answered("/v1/logs", status.ToString(System.Globalization.CultureInfo.InvariantCulture));
                var body = await response.Content.ReadAsByteArrayAsync();
                if (status is not (200 or 202 or 400 or 413 or 415))
                {
                    ledger.Fail(i, $"answered {status}: {System.Text.Encoding.UTF8.GetString(body)}", request);
                }
                else if (status == 202)
                {
                    ledger.Accepted("json", JsonDocument.Parse(body).RootElement.GetProperty("accepted").GetInt64());
                }
                else if (status == 200)
                {
                    var answerType = response.Content.Headers.ContentType;
                    var rejected = answerType?.MediaType == "application/x-protobuf"
                        ? ExportLogsServiceResponse.Parser.ParseFrom(body).PartialSuccess?.RejectedLogRecords ?? 0
                        : FuzzCorpus.OtlpJsonRejected(body);
                    ledger.Accepted("otlp_http", request.OtlpRecords(answerType) - rejected);
                }
            }
        }

        await AssertStillServesAsync(ledger, http);
        await ledger.AssertCollectorAgreesAsync(Collector, DataDir);
    }

    /// <summary>The answer is allowed, and what it acknowledged goes in the ledger.</summary>
    private static void CheckGrpcAnswer(FuzzLedger ledger, int input, MutatedGrpcRequest request, RawResponse response)
    {
        if (!request.IsGrpcContentType)
        {
            if (response.HttpStatus != HttpStatusCode.UnsupportedMediaType)
            {
                ledger.Fail(input, $"HTTP {(int)response.HttpStatus} (grpc-status {response.GrpcStatus}) to a request that is not gRPC; expected 415", request);
            }

            return;
        }

        var code = response.HttpStatus == HttpStatusCode.OK && int.TryParse(response.GrpcStatus, out var value) ? (StatusCode)value : (StatusCode?)null;
        var allowed = code switch
        {
            // Malformed framing is the client's fault too: INVALID_ARGUMENT, never INTERNAL.
            StatusCode.OK or StatusCode.InvalidArgument or StatusCode.ResourceExhausted or StatusCode.Unimplemented => true,
            _ => false,
        };
        if (!allowed || (request.Mutations.Count == 0 && code != StatusCode.OK))
        {
            // Acks before a wrong status were still sent: they count below.
            ledger.Fail(input, $"HTTP {(int)response.HttpStatus}, grpc-status {response.GrpcStatus} '{response.GrpcMessage}'", request);
        }

        List<byte[]> answers;
        try
        {
            answers = RawGrpc.Messages(response.Body);
        }
        catch (XunitException ex)
        {
            ledger.Fail(input, $"a response body that is not whole frames: {ex.Message}", request);
            return;
        }

        if (request.Path == MutatedGrpcRequest.OtlpExport)
        {
            if (code == StatusCode.OK)
            {
                // OK to a unary call: its body was exactly one whole message, the request the collector mapped.
                if (request.WholeMessages() is not [var only] || answers.Count != 1)
                {
                    ledger.Fail(input, $"OK with {answers.Count} answers to a body that is not one whole message", request);
                    return;
                }

                var rejected = ExportLogsServiceResponse.Parser.ParseFrom(answers[0]).PartialSuccess?.RejectedLogRecords ?? 0;
                ledger.Accepted("otlp_grpc", FuzzCorpus.Records(ExportLogsServiceRequest.Parser.ParseFrom(only)) - rejected);
            }
        }
        else
        {
            ledger.Accepted("grpc", answers.Sum(a => (long)Ack.Parser.ParseFrom(a).Accepted));
        }
    }

    /// <summary>After the run the collector still takes a well-formed batch (on the fuzzer's connection) and a JSON API entry.</summary>
    private async Task AssertStillServesAsync(FuzzLedger ledger, HttpClient http)
    {
        using var timeout = new CancellationTokenSource(RequestTimeout);
        var batch = RawGrpc.Frame(Events.Batch($"after-fuzz-{ledger.Seed}", 0, 3).ToByteArray());
        var response = await RawGrpc.PostAsync(http, Collector.GrpcUri, MutatedGrpcRequest.Send, new TrickledContent(batch, [], RawGrpc.ContentType), null, timeout.Token);
        ledger.Answered(MutatedGrpcRequest.Send, CodeLabel(response));
        Assert.Equal("0", response.GrpcStatus);
        var ack = Ack.Parser.ParseFrom(Assert.Single(RawGrpc.Messages(response.Body)));
        Assert.Equal(3u, ack.Accepted);
        ledger.Accepted("grpc", ack.Accepted);

        using var entry = new ByteArrayContent(FuzzCorpus.JsonBodies[0]);
        entry.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var logged = await http.PostAsync(new Uri(Collector.HttpUri, "/v1/logs"), entry, timeout.Token);
        ledger.Answered("/v1/logs", "202");
        Assert.Equal(HttpStatusCode.Accepted, logged.StatusCode);
        ledger.Accepted("json", 1);
    }

    /// <summary>The code label collector_requests_total gives the answer: the grpc-status name, or the HTTP status of a refusal before gRPC.</summary>
    private static string CodeLabel(RawResponse response) =>
        response.HttpStatus != HttpStatusCode.OK ? ((int)response.HttpStatus).ToString(System.Globalization.CultureInfo.InvariantCulture)
        : int.TryParse(response.GrpcStatus, out var code) ? global::Collector.Host.Metrics.RequestMetrics.GrpcCode((StatusCode)code)
        : "UNKNOWN";
}
