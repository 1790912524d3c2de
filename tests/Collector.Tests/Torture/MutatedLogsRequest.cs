using System.Net.Http.Headers;
using System.Text;
using Collector.Forwarder.Otlp.V1;

namespace Collector.Tests.Torture;

/// <summary>
/// One POST /v1/logs for the raw-body fuzzer: an OTLP protobuf or a JSON body (OTLP JSON or the JSON API), maybe
/// mutated, sent as raw bytes with a Content-Type that may not fit it (the other type, parameters, case, garbage,
/// none) and a Content-Encoding that may lie (gzip on a plain body, corrupt gzip, encodings we do not take).
/// </summary>
internal sealed record MutatedLogsRequest(string? ContentType, string? ContentEncoding, byte[] Body, IReadOnlyList<string> Mutations)
{
    private static readonly string?[] ContentTypes =
    [
        "application/x-protobuf", "application/protobuf", "application/json", "application/json; charset=utf-8", "Application/JSON",
        "application/x-protobuf; proto=opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest", "text/plain", "application/grpc",
        "application/jsonx", "multipart/form-data; boundary=x", "", null,
    ];

    private static readonly string[] Encodings = ["gzip", "identity", "deflate", "br", "gzip, gzip", "GZIP", "x-unknown", ""];

    private const string Printable = "abcdefghijklmnopqrstuvwxyz/+;=-. \"*";

    public static MutatedLogsRequest Make(Random random, IReadOnlyList<byte[]> protobufBodies, IReadOnlyList<byte[]> jsonBodies)
    {
        var mutations = new List<string>();
        var protobuf = random.Chance(0.45);
        var body = random.Pick(protobuf ? protobufBodies : jsonBodies);
        if (random.Chance(0.5))
        {
            body = FuzzInputs.Mutate(random, body);
            mutations.Add("body bytes");
        }

        string? contentType = protobuf ? random.Pick(["application/x-protobuf", "application/protobuf"]) : "application/json";
        if (random.Chance(0.25))
        {
            contentType = random.Chance(0.7) ? random.Pick(ContentTypes) : MutateText(random, random.Pick(ContentTypes) ?? "");
            mutations.Add($"content-type '{contentType ?? "(none)"}'");
        }

        string? encoding = null;
        if (random.Chance(0.3))
        {
            encoding = random.Pick(Encodings);
            if (string.Equals(encoding, "gzip", StringComparison.OrdinalIgnoreCase) && random.Chance(0.7))
            {
                body = FuzzInputs.Gzip(body);
                if (random.Chance(0.3))
                {
                    body = random.Chance(0.5) ? FuzzInputs.Mutate(random, body) : body[..random.Next(body.Length)];
                    mutations.Add("gzip bytes");
                }
            }

            mutations.Add($"content-encoding '{encoding}'");
        }

        return new MutatedLogsRequest(contentType, encoding, body, mutations);
    }

    public HttpContent Content()
    {
        var content = new ByteArrayContent(Body);
        if (ContentType is not null)
        {
            content.Headers.TryAddWithoutValidation("Content-Type", ContentType);
        }

        if (ContentEncoding is not null)
        {
            content.Headers.TryAddWithoutValidation("Content-Encoding", ContentEncoding);
        }

        return content;
    }

    /// <summary>The body as the collector reads it once Content-Encoding is undone; null if it cannot be.</summary>
    public byte[]? Plain()
    {
        if (!string.Equals(ContentEncoding, "gzip", StringComparison.OrdinalIgnoreCase))
        {
            return Body;
        }

        return FuzzInputs.Gunzip(Body);
    }

    /// <summary>
    /// The log records of an OTLP body the collector took (answered 200), protobuf or JSON as its answer was, counted
    /// by the OTLP JSON mapping's names (lowerCamelCase or the proto's).
    /// </summary>
    public int OtlpRecords(MediaTypeHeaderValue? answerType)
    {
        var plain = Plain() ?? throw new InvalidOperationException("answered 200 to a body that does not inflate");
        if (answerType?.MediaType == "application/x-protobuf")
        {
            return FuzzCorpus.Records(ExportLogsServiceRequest.Parser.ParseFrom(plain));
        }

        return FuzzCorpus.OtlpJsonRecords(plain);
    }

    public override string ToString() =>
        $"{(Mutations.Count == 0 ? "not mutated" : string.Join("; ", Mutations))}, Content-Type '{ContentType ?? "(none)"}', Content-Encoding '{ContentEncoding ?? "(none)"}', body (base64) {Convert.ToBase64String(Body)}";

    /// <summary>A header value with a few printable characters changed, so that it still goes on the wire.</summary>
    private static string MutateText(Random random, string text)
    {
        var chars = new StringBuilder(text);
        for (var steps = 1 + random.Next(3); steps > 0; steps--)
        {
            var at = random.Next(chars.Length + 1);
            if (chars.Length > 0 && at < chars.Length && random.Chance(0.5))
            {
                chars.Remove(at, 1);
            }
            else
            {
                chars.Insert(at, Printable[random.Next(Printable.Length)]);
            }
        }

        return chars.ToString().Trim();
    }
}
