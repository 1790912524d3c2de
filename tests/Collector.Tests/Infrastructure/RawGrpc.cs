using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Collector.Tests.Infrastructure;

/// <summary>
/// What came back from a hand-made HTTP/2 request: grpc-status and grpc-message from the headers (Trailers-Only) or
/// the trailers, the message both as sent on the wire and percent-decoded.
/// </summary>
internal sealed record RawResponse(HttpStatusCode HttpStatus, string? GrpcStatus, string? GrpcMessage, byte[] Body, bool TrailersOnly, string? EncodedGrpcMessage);

/// <summary>
/// Sends hand-written bytes as a gRPC request, to test what a well-behaved client never sends. Knows the wire format
/// itself (the 5-byte length prefix, percent-encoded grpc-message) rather than borrowing it from the code under test.
/// </summary>
internal static class RawGrpc
{
    public const string ContentType = "application/grpc";

    public static Task<RawResponse> PostAsync(Uri server, string path, byte[] body, string? contentType = ContentType, IDictionary<string, string>? headers = null)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = contentType is null ? null : MediaTypeHeaderValue.Parse(contentType);
        return PostAsync(server, path, content, headers);
    }

    /// <summary>Sends <paramref name="content"/> (its own content type) as it writes itself: in pieces, or held open.</summary>
    public static async Task<RawResponse> PostAsync(Uri server, string path, HttpContent content, IDictionary<string, string>? headers = null)
    {
        using var http = new HttpClient(new SocketsHttpHandler());
        return await PostAsync(http, server, path, content, headers, CancellationToken.None);
    }

    /// <summary>
    /// The same on a client the caller keeps (one HTTP/2 connection for many requests, as a fuzzer sends them). The
    /// body goes out exactly as <paramref name="content"/> writes it; only HTTP/2's own framing is added.
    /// </summary>
    public static async Task<RawResponse> PostAsync(HttpClient http, Uri server, string path, HttpContent content, IDictionary<string, string>? headers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(http);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server, path))
        {
            Content = content,
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Headers.TE.Add(new TransferCodingWithQualityHeaderValue("trailers"));
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await http.SendAsync(request, cancellationToken);
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        var inHeaders = response.Headers.TryGetValues("grpc-status", out var headerStatus);
        var status = inHeaders ? headerStatus!.First() : response.TrailingHeaders.TryGetValues("grpc-status", out var trailerStatus) ? trailerStatus.First() : null;
        var message = response.Headers.TryGetValues("grpc-message", out var m1) ? m1.First()
            : response.TrailingHeaders.TryGetValues("grpc-message", out var m2) ? m2.First() : null;
        return new RawResponse(response.StatusCode, status, message is null ? null : PercentDecode(message), bytes, inHeaders, message);
    }

    public static byte[] Frame(byte[] payload, bool compressed = false, int? declaredLength = null)
    {
        var frame = new byte[5 + payload.Length];
        frame[0] = compressed ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)(declaredLength ?? payload.Length));
        payload.CopyTo(frame, 5);
        return frame;
    }

    /// <summary>The messages of a response body, each frame checked whole and uncompressed (nothing asked for compression).</summary>
    public static List<byte[]> Messages(byte[] body)
    {
        var messages = new List<byte[]>();
        for (var at = 0; at < body.Length;)
        {
            Assert.True(body.Length - at >= 5, $"a frame header cut short at byte {at}");
            Assert.Equal(0, body[at]);
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(at + 1));
            Assert.True(body.Length - at - 5 >= length, $"a frame of {length} bytes cut short at byte {at}");
            messages.Add(body.AsSpan(at + 5, length).ToArray());
            at += 5 + length;
        }

        return messages;
    }

    /// <summary>grpc-message is UTF-8 with bytes outside printable ASCII, and '%', as %XX; a '%' without two hex digits stands for itself.</summary>
    private static string PercentDecode(string encoded)
    {
        var bytes = new List<byte>(encoded.Length);
        for (var i = 0; i < encoded.Length; i++)
        {
            if (encoded[i] == '%' && i + 2 < encoded.Length
                && byte.TryParse(encoded.AsSpan(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var escaped))
            {
                bytes.Add(escaped);
                i += 2;
            }
            else
            {
                // Header values reach us as ASCII.
                bytes.Add((byte)encoded[i]);
            }
        }

        return Encoding.UTF8.GetString([.. bytes]);
    }
}
