using System.Buffers;
using System.Globalization;
using System.Text;

namespace Collector.Host.Metrics;

/// <summary>The sample types of the text format's TYPE line.</summary>
public enum PrometheusType
{
    Counter,
    Gauge,
    Histogram,
}

/// <summary>
/// Writes the Prometheus text exposition format 0.0.4 as UTF-8. Names and label blocks arrive already encoded
/// (see <see cref="EncodeLabels"/>): a series' labels never change, so the exporter encodes them once and a scrape
/// only copies bytes and formats numbers.
/// </summary>
public sealed class PrometheusTextWriter(IBufferWriter<byte> output)
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private static readonly byte[] Bucket = "_bucket"u8.ToArray();
    private static readonly byte[] Sum = "_sum"u8.ToArray();
    private static readonly byte[] Count = "_count"u8.ToArray();

    /// <summary>"# HELP name help" and "# TYPE name type"; help has backslashes and line feeds escaped.</summary>
    public void WriteHeader(ReadOnlySpan<byte> name, string help, PrometheusType type)
    {
        Write("# HELP "u8);
        Write(name);
        Write(" "u8);
        WriteEscaped(help, escapeQuote: false);
        Write("\n# TYPE "u8);
        Write(name);
        Write(type switch
        {
            PrometheusType.Counter => " counter\n"u8,
            PrometheusType.Gauge => " gauge\n"u8,
            _ => " histogram\n"u8,
        });
    }

    /// <summary>One sample line: name{labels} value.</summary>
    public void WriteSample(ReadOnlySpan<byte> name, ReadOnlySpan<byte> labels, double value) =>
        WriteSample(name, default, labels, default, value);

    /// <summary>
    /// A histogram series: cumulative buckets (<paramref name="bucketCounts"/> holds each bucket's own count, the
    /// last one for +Inf), then _sum and _count. <paramref name="bounds"/> are the buckets' encoded le values.
    /// </summary>
    public void WriteHistogram(ReadOnlySpan<byte> name, ReadOnlySpan<byte> labels, ReadOnlySpan<byte[]> bounds, ReadOnlySpan<long> bucketCounts, double sum)
    {
        long cumulative = 0;
        for (var i = 0; i < bucketCounts.Length; i++)
        {
            cumulative += bucketCounts[i];
            WriteSample(name, Bucket, labels, i < bounds.Length ? bounds[i] : "le=\"+Inf\""u8, cumulative);
        }

        WriteSample(name, Sum, labels, default, sum);
        WriteSample(name, Count, labels, default, cumulative);
    }

    /// <summary>The inside of a label block, a="x",b="y", with values escaped (backslash, double quote, line feed).</summary>
    public static byte[] EncodeLabels(ReadOnlySpan<KeyValuePair<string, string>> labels)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        var writer = new PrometheusTextWriter(buffer);
        for (var i = 0; i < labels.Length; i++)
        {
            if (i > 0)
            {
                writer.Write(","u8);
            }

            writer.WriteAscii(PrometheusNaming.LabelName(labels[i].Key));
            writer.Write("=\""u8);
            writer.WriteEscaped(labels[i].Value, escapeQuote: true);
            writer.Write("\""u8);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The le label of a bucket's upper bound, e.g. le="0.005".</summary>
    public static byte[] EncodeBound(double upperBound)
    {
        var buffer = new ArrayBufferWriter<byte>(24);
        var writer = new PrometheusTextWriter(buffer);
        writer.Write("le=\""u8);
        writer.WriteNumber(upperBound);
        writer.Write("\""u8);
        return buffer.WrittenSpan.ToArray();
    }

    private void WriteSample(ReadOnlySpan<byte> name, ReadOnlySpan<byte> suffix, ReadOnlySpan<byte> labels, ReadOnlySpan<byte> extraLabel, double value)
    {
        Write(name);
        Write(suffix);
        if (!labels.IsEmpty || !extraLabel.IsEmpty)
        {
            Write("{"u8);
            Write(labels);
            if (!labels.IsEmpty && !extraLabel.IsEmpty)
            {
                Write(","u8);
            }

            Write(extraLabel);
            Write("}"u8);
        }

        Write(" "u8);
        WriteNumber(value);
        Write("\n"u8);
    }

    private void WriteNumber(double value)
    {
        if (double.IsNaN(value))
        {
            Write("NaN"u8);
        }
        else if (double.IsPositiveInfinity(value))
        {
            Write("+Inf"u8);
        }
        else if (double.IsNegativeInfinity(value))
        {
            Write("-Inf"u8);
        }
        else
        {
            // Shortest round-trip form ("0.005", "1E-05", "42"): Prometheus parses all of them.
            var span = output.GetSpan(32);
            value.TryFormat(span, out var written, provider: CultureInfo.InvariantCulture);
            output.Advance(written);
        }
    }

    private void WriteEscaped(string text, bool escapeQuote)
    {
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var escape = text[i] switch
            {
                '\\' => "\\\\",
                '\n' => "\\n",
                '"' when escapeQuote => "\\\"",
                _ => null,
            };
            if (escape is null)
            {
                continue;
            }

            WriteUtf8(text.AsSpan(start, i - start));
            WriteAscii(escape);
            start = i + 1;
        }

        WriteUtf8(text.AsSpan(start));
    }

    private void WriteUtf8(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            return;
        }

        var span = output.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
        output.Advance(Encoding.UTF8.GetBytes(text, span));
    }

    private void WriteAscii(string text) => WriteUtf8(text);

    private void Write(ReadOnlySpan<byte> bytes)
    {
        if (!bytes.IsEmpty)
        {
            output.Write(bytes);
        }
    }
}
