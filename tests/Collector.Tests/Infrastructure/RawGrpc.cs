using System.Net;
using System.Net.Http.Headers;
using Collector.Protocol.Grpc;

namespace Collector.Tests.Infrastructure;

/// <summary>What came back from a hand-made HTTP/2 request.</summary>
internal sealed record RawResponse(HttpStatusCode HttpStatus, string? GrpcStatus, string? GrpcMessage, byte[] Body, bool TrailersOnly);

/// <summary>Sends hand-written bytes as a gRPC request, to test what a well-behaved client never sends.</summary>
internal static class RawGrpc
{
    public static async Task<RawResponse> PostAsync(Uri server, string path, byte[] body, string? contentType = GrpcHeaders.ContentType, IDictionary<string, string>? headers = null)
    {
        using var http = new HttpClient(new SocketsHttpHandler());
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server, path))
        {
            Content = new ByteArrayContent(body),
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Content.Headers.ContentType = contentType is null ? null : MediaTypeHeaderValue.Parse(contentType);
        request.Headers.TE.Add(new TransferCodingWithQualityHeaderValue("trailers"));
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await http.SendAsync(request);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        var inHeaders = response.Headers.TryGetValues(GrpcHeaders.Status, out var headerStatus);
        var status = inHeaders ? headerStatus!.First() : response.TrailingHeaders.TryGetValues(GrpcHeaders.Status, out var trailerStatus) ? trailerStatus.First() : null;
        var message = response.Headers.TryGetValues(GrpcHeaders.Message, out var m1) ? m1.First()
            : response.TrailingHeaders.TryGetValues(GrpcHeaders.Message, out var m2) ? m2.First() : null;
        return new RawResponse(response.StatusCode, status, message is null ? null : GrpcPercentEncoding.Decode(message), bytes, inHeaders);
    }

    public static byte[] Frame(byte[] payload, bool compressed = false, int? declaredLength = null)
    {
        var frame = new byte[5 + payload.Length];
        frame[0] = compressed ? (byte)1 : (byte)0;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)(declaredLength ?? payload.Length));
        payload.CopyTo(frame, 5);
        return frame;
    }
}
