using System.Buffers;
using System.Text;

namespace Collector.Host.Http;

/// <summary>Where text stops being UTF-8: <see cref="JsonBody"/> checks a body whole with it before parsing.</summary>
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
