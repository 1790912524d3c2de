using System.Buffers;
using System.Text;

namespace Collector.Host.Http;

/// <summary>
/// JSON bodies must be UTF-8 (RFC 8259). System.Text.Json checks string contents only when they are read, long after
/// parsing succeeded, so a body is checked whole before it is parsed: every malformed body is then a 400 that names
/// the byte, never a 500 from deep inside a reader.
/// </summary>
internal static class Utf8Text
{
    /// <summary>The offset of the first byte that is not valid UTF-8, or -1 when all of it is.</summary>
    public static int FirstInvalidByte(ReadOnlySpan<byte> text)
    {
        if (System.Text.Unicode.Utf8.IsValid(text))
        {
            return -1;
        }

        var offset = 0;
        while (offset < text.Length)
        {
            if (Rune.DecodeFromUtf8(text[offset..], out _, out var consumed) != OperationStatus.Done)
            {
                return offset;
            }

            offset += consumed;
        }

        return -1;
    }
}
