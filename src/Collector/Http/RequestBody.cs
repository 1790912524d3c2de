using System.Buffers;
using Collector.Protocol.Compression;
using Microsoft.AspNetCore.Http.Features;

namespace Collector.Host.Http;

/// <summary>A request body read whole, or why it could not be: the HTTP status to answer and a message.</summary>
public readonly record struct BodyResult(byte[]? Bytes, int Status, string? Error)
{
    public static BodyResult Failed(int status, string error) => new(null, status, error);
}

/// <summary>
/// Reads a POST body up to a size limit (checked on Content-Length, while reading, and after gzip inflation), so
/// a large or endless body costs at most the limit. Content-Encoding gzip and identity are supported.
/// </summary>
public static class RequestBody
{
    public static async Task<BodyResult> ReadAsync(HttpContext context, int maxBytes)
    {
        ArgumentNullException.ThrowIfNull(context);
        var request = context.Request;
        var encoding = request.Headers.ContentEncoding.ToString();
        var gzip = string.Equals(encoding, "gzip", StringComparison.OrdinalIgnoreCase);
        if (encoding.Length > 0 && !gzip && !string.Equals(encoding, "identity", StringComparison.OrdinalIgnoreCase))
        {
            return BodyResult.Failed(StatusCodes.Status415UnsupportedMediaType, $"Content-Encoding '{encoding}' is not supported; use gzip or none");
        }

        if (request.ContentLength > maxBytes)
        {
            return TooLarge(request.ContentLength.Value, maxBytes);
        }

        // Our limit replaces Kestrel's default one, which may be smaller than the configured message size.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeLimit)
        {
            sizeLimit.MaxRequestBodySize = null;
        }

        using var body = new MemoryStream();
        var chunk = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
            {
                if (body.Length + read > maxBytes)
                {
                    return TooLarge(body.Length + read, maxBytes);
                }

                body.Write(chunk, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        return gzip ? Inflate(body.ToArray(), maxBytes) : new BodyResult(body.ToArray(), StatusCodes.Status200OK, null);
    }

    private static BodyResult Inflate(byte[] compressed, int maxBytes)
    {
        try
        {
            using var plain = BoundedGzip.Inflate(new ReadOnlySequence<byte>(compressed), maxBytes);
            return new BodyResult(plain.Memory.ToArray(), StatusCodes.Status200OK, null);
        }
        catch (InflatedTooLargeException)
        {
            return BodyResult.Failed(StatusCodes.Status413PayloadTooLarge, $"the inflated body exceeds the limit of {maxBytes} bytes");
        }
        catch (InvalidDataException)
        {
            return BodyResult.Failed(StatusCodes.Status400BadRequest, "the body is not valid gzip (Content-Encoding: gzip)");
        }
    }

    private static BodyResult TooLarge(long length, int maxBytes) =>
        BodyResult.Failed(StatusCodes.Status413PayloadTooLarge, $"the body of at least {length} bytes exceeds the limit of {maxBytes} bytes (Collector:MaxReceiveMessageBytes)");
}
