using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Collector.Storage.ClickHouse;

/// <summary>
/// Columns the signal tables write the same way: attributes as the parallel key and value arrays of the events table
/// (in the order sent), and nested attributes as JSON object text.
/// </summary>
internal static class SignalColumns
{
    /// <summary>One Array column: the element count, then <paramref name="write"/> for each element, in order.</summary>
    public static void WriteEach<T>(RowBinaryWriter writer, IReadOnlyList<T> items, Action<RowBinaryWriter, T> write)
    {
        writer.Length(items.Count);
        foreach (var item in items)
        {
            write(writer, item);
        }
    }

    public static void WriteAttributes(RowBinaryWriter writer, IDictionary<string, string> attributes)
    {
        writer.Length(attributes.Count);
        foreach (var (key, _) in attributes)
        {
            writer.String(key);
        }

        writer.Length(attributes.Count);
        foreach (var (_, value) in attributes)
        {
            writer.String(value);
        }
    }

    /// <summary>
    /// Attributes as one JSON object's UTF-8 text, in the order sent. Non-ASCII text stays as it is (valid JSON, and
    /// readable in ClickHouse); quotes, backslashes and control characters are escaped.
    /// </summary>
    public sealed class JsonText
    {
        private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

        private readonly ArrayBufferWriter<byte> _buffer = new(256);

        /// <summary>The JSON text, valid until the next call.</summary>
        public ReadOnlySpan<byte> Of(IDictionary<string, string> attributes)
        {
            _buffer.ResetWrittenCount();
            using (var json = new Utf8JsonWriter(_buffer, Options))
            {
                json.WriteStartObject();
                foreach (var (key, value) in attributes)
                {
                    json.WriteString(key, value);
                }

                json.WriteEndObject();
            }

            return _buffer.WrittenSpan;
        }
    }
}
