using System.Buffers.Binary;
using Collector.Tests.Infrastructure;

namespace Collector.Tests.Torture;

/// <summary>
/// One hand-made gRPC request for the raw-frame fuzzer: a method, headers and a body of length-prefixed frames built
/// here byte by byte. Any part may be mutated: a message's bytes, its compressed flag (also values other than 0 and 1),
/// its length prefix (shorter or longer than the message, or far past the limit), its gzip bytes; the body may end
/// inside a frame or carry bytes after the last one; grpc-encoding and Content-Type may be wrong; the body goes out
/// in one write (several messages in one DATA frame) or cut into pieces anywhere. <see cref="Mutations"/> says which.
/// </summary>
internal sealed record MutatedGrpcRequest(string Path, string? ContentType, Dictionary<string, string> Headers, byte[] Body, IReadOnlyList<int> Cuts, IReadOnlyList<string> Mutations)
{
    public const string Send = "/telemetry.v1.Collector/Send";
    public const string Stream = "/telemetry.v1.Collector/Stream";
    public const string OtlpExport = "/opentelemetry.proto.collector.logs.v1.LogsService/Export";

    private static readonly string[] UnknownPaths = ["/telemetry.v1.Collector/Nope", "/telemetry.v2.Collector/Send", "/x/y"];

    private static readonly string?[] ContentTypes =
        [RawGrpc.ContentType, "application/grpc+proto", "application/grpc; charset=utf-8", "application/grpc+json", "application/grpcx", "text/plain", "application/x-protobuf", null];

    private static readonly string[] Encodings = ["gzip", "identity", "deflate", "snappy", "GZIP", "gzip, deflate", "", "x-100%"];

    /// <summary>Whether the server may treat it as gRPC at all (else: HTTP 415).</summary>
    public bool IsGrpcContentType => ContentType is RawGrpc.ContentType or "application/grpc+proto" or "application/grpc; charset=utf-8";

    public string Method => Path is Send or Stream or OtlpExport ? Path : "unknown";

    /// <summary>
    /// A request made from <paramref name="random"/>: the method's valid messages (<paramref name="batches"/> for
    /// ours, <paramref name="otlpRequests"/> for OTLP), mutated at each level with a small probability.
    /// </summary>
    public static MutatedGrpcRequest Make(Random random, IReadOnlyList<byte[]> batches, IReadOnlyList<byte[]> otlpRequests, int maxMessageBytes)
    {
        var mutations = new List<string>();
        var roll = random.Next(100);
        var path = roll switch { < 35 => Send, < 70 => Stream, < 95 => OtlpExport, _ => random.Pick(UnknownPaths) };
        if (roll >= 95)
        {
            mutations.Add("unknown method");
        }

        var seeds = path == OtlpExport ? otlpRequests : batches;
        var count = path == Stream ? 1 + random.Next(6) : random.Next(100) switch { < 90 => 1, < 95 => 0, _ => 2 };
        if (path != Stream && count != 1)
        {
            mutations.Add($"{count} messages on a unary call");
        }

        var body = new List<byte>();
        var compressedAny = false;
        for (var m = 0; m < count; m++)
        {
            var payload = random.Pick(seeds);
            if (random.Chance(0.3))
            {
                payload = FuzzInputs.Mutate(random, payload);
                mutations.Add($"message {m}: bytes");
            }

            var compressed = random.Chance(0.2);
            if (compressed)
            {
                compressedAny = true;
                payload = FuzzInputs.Gzip(payload);
                if (random.Chance(0.4))
                {
                    payload = random.Chance(0.5) ? FuzzInputs.Mutate(random, payload) : payload[..random.Next(payload.Length)];
                    mutations.Add($"message {m}: gzip bytes");
                }
            }

            var flag = compressed ? (byte)1 : (byte)0;
            if (random.Chance(0.1))
            {
                flag = random.Pick<byte>([0, 1, 2, 0x80, 0xFF]);
                mutations.Add($"message {m}: compressed flag {flag}");
            }

            var length = (uint)payload.Length;
            if (random.Chance(0.1))
            {
                length = random.Next(3) switch
                {
                    0 => (uint)Math.Max(0, payload.Length + random.Next(-8, 9)),
                    1 => (uint)random.Next(payload.Length + 1),
                    _ => random.Pick<uint>([(uint)maxMessageBytes, (uint)maxMessageBytes + 1, 0x7FFF_FFFFu, 0x8000_0000u, 0xFFFF_FFFFu]),
                };
                mutations.Add($"message {m}: length prefix {length} for {payload.Length} bytes");
            }

            var header = new byte[5];
            header[0] = flag;
            BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(1), length);
            body.AddRange(header);
            body.AddRange(payload);
        }

        if (body.Count > 0 && random.Chance(0.08))
        {
            var end = random.Next(body.Count);
            mutations.Add($"body ends at byte {end} of {body.Count}");
            body.RemoveRange(end, body.Count - end);
        }

        if (random.Chance(0.05))
        {
            body.AddRange(Enumerable.Range(0, 1 + random.Next(8)).Select(_ => (byte)random.Next(256)));
            mutations.Add("bytes after the last frame");
        }

        var headers = new Dictionary<string, string>();
        if (compressedAny ? random.Chance(0.85) : random.Chance(0.9))
        {
            if (compressedAny)
            {
                headers["grpc-encoding"] = "gzip";
            }
        }
        else
        {
            headers["grpc-encoding"] = random.Pick(Encodings);
            mutations.Add($"grpc-encoding '{headers["grpc-encoding"]}'");
        }

        var contentType = RawGrpc.ContentType;
        if (random.Chance(0.04))
        {
            contentType = random.Pick(ContentTypes);
            mutations.Add($"content-type '{contentType ?? "(none)"}'");
        }

        IReadOnlyList<int> cuts = random.Chance(0.3) && body.Count > 1
            ? Enumerable.Range(0, 1 + random.Next(6)).Select(_ => 1 + random.Next(body.Count - 1)).ToList()
            : [];
        return new MutatedGrpcRequest(path, contentType, headers, [.. body], cuts, mutations);
    }

    public HttpContent Content() => new TrickledContent(Body, Cuts, ContentType);

    /// <summary>The messages the body holds by the wire format's own rules, inflated where compressed; null if it is not exactly whole, valid frames.</summary>
    public List<byte[]>? WholeMessages()
    {
        var messages = new List<byte[]>();
        for (var at = 0; at < Body.Length;)
        {
            if (Body.Length - at < 5 || Body[at] > 1)
            {
                return null;
            }

            var length = BinaryPrimitives.ReadUInt32BigEndian(Body.AsSpan(at + 1));
            if (length > Body.Length - at - 5)
            {
                return null;
            }

            var payload = Body.AsSpan(at + 5, (int)length).ToArray();
            if (Body[at] == 1 && FuzzInputs.Gunzip(payload) is { } inflated)
            {
                payload = inflated;
            }
            else if (Body[at] == 1)
            {
                return null;
            }

            messages.Add(payload);
            at += 5 + (int)length;
        }

        return messages;
    }

    public override string ToString() =>
        $"{Path}, {(Mutations.Count == 0 ? "not mutated" : string.Join("; ", Mutations))}, headers [{string.Join(", ", Headers.Select(h => $"{h.Key}: {h.Value}"))}], "
        + $"cut at [{string.Join(", ", Cuts)}], body {Convert.ToHexString(Body.AsSpan(0, Math.Min(Body.Length, 4096)))}{(Body.Length > 4096 ? "..." : "")}";
}
