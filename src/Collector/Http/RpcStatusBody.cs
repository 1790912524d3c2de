using System.Text;
using System.Text.Json;
using Grpc.Core;
using Collector.Protocol.Wire;

namespace Collector.Host.Http;

/// <summary>
/// OTLP/HTTP error bodies: a google.rpc.Status (code, message; no details) in the encoding of the request,
/// protobuf or proto3 JSON, as the OTLP spec asks of 4xx and 5xx answers.
/// </summary>
public static class RpcStatusBody
{
    private const byte CodeTag = (1 << 3) | 0;
    private const byte MessageTag = (2 << 3) | 2;

    public static byte[] Protobuf(StatusCode code, string message)
    {
        var text = Encoding.UTF8.GetBytes(message);
        var buffer = new byte[1 + ProtoWire.VarintSize((ulong)code) + ProtoWire.LengthDelimitedFieldSize(text.Length)];
        var position = 0;
        buffer[position++] = CodeTag;
        position += ProtoWire.WriteVarint(buffer.AsSpan(position), (ulong)code);
        ProtoWire.WriteLengthDelimited(buffer.AsSpan(position), MessageTag, text);
        return buffer;
    }

    public static string Json(StatusCode code, string message) =>
        JsonSerializer.Serialize(new { code = (int)code, message });
}
