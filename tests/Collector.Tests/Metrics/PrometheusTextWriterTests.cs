using System.Buffers;
using System.Text;
using Collector.Host.Metrics;

namespace Collector.Tests.Metrics;

public sealed class PrometheusTextWriterTests
{
    private readonly ArrayBufferWriter<byte> _output = new();

    private string Text => Encoding.UTF8.GetString(_output.WrittenSpan);

    [Fact]
    public void WriteHeader_HelpWithBackslashLineFeedAndQuote_BackslashAndLineFeedEscapedQuoteKept()
    {
        var writer = new PrometheusTextWriter(_output);

        writer.WriteHeader("m_total"u8, "a\\b\nc \"q\" é", PrometheusType.Counter);

        Assert.Equal("# HELP m_total a\\\\b\\nc \"q\" é\n# TYPE m_total counter\n", Text);
    }

    [Fact]
    public void EncodeLabels_ValueWithBackslashQuoteAndLineFeed_AllThreeEscaped()
    {
        var labels = PrometheusTextWriter.EncodeLabels([new("path", "C:\\x\"y\"\nz")]);

        Assert.Equal("path=\"C:\\\\x\\\"y\\\"\\nz\"", Encoding.UTF8.GetString(labels));
    }

    [Fact]
    public void EncodeLabels_NamesPrometheusRefuses_Sanitised()
    {
        var labels = PrometheusTextWriter.EncodeLabels([new("http.route", "/a"), new("1st", "b")]);

        Assert.Equal("http_route=\"/a\",_1st=\"b\"", Encoding.UTF8.GetString(labels));
    }

    [Fact]
    public void WriteSample_NoLabels_NameSpaceValue()
    {
        var writer = new PrometheusTextWriter(_output);

        writer.WriteSample("collector_log_bytes"u8, default, 1048576);

        Assert.Equal("collector_log_bytes 1048576\n", Text);
    }

    [Fact]
    public void WriteSample_SpecialAndSmallValues_GoFloatSpellings()
    {
        var writer = new PrometheusTextWriter(_output);
        var labels = PrometheusTextWriter.EncodeLabels([new("k", "v")]);

        writer.WriteSample("g"u8, labels, double.NaN);
        writer.WriteSample("g"u8, labels, double.PositiveInfinity);
        writer.WriteSample("g"u8, labels, double.NegativeInfinity);
        writer.WriteSample("g"u8, labels, 0.005);
        writer.WriteSample("g"u8, labels, -2.5);
        writer.WriteSample("g"u8, labels, 0.00001);

        Assert.Equal(
            "g{k=\"v\"} NaN\n" +
            "g{k=\"v\"} +Inf\n" +
            "g{k=\"v\"} -Inf\n" +
            "g{k=\"v\"} 0.005\n" +
            "g{k=\"v\"} -2.5\n" +
            "g{k=\"v\"} 1E-05\n",
            Text);
    }

    [Fact]
    public void WriteHistogram_PerBucketCounts_CumulativeBucketsInfSumCount()
    {
        var writer = new PrometheusTextWriter(_output);
        byte[][] bounds = [PrometheusTextWriter.EncodeBound(0.5), PrometheusTextWriter.EncodeBound(1)];
        var labels = PrometheusTextWriter.EncodeLabels([new("method", "/a")]);

        // Two values up to 0.5, none in (0.5, 1], three above 1.
        writer.WriteHistogram("d_seconds"u8, labels, bounds, [2, 0, 3], 7.25);

        Assert.Equal(
            "d_seconds_bucket{method=\"/a\",le=\"0.5\"} 2\n" +
            "d_seconds_bucket{method=\"/a\",le=\"1\"} 2\n" +
            "d_seconds_bucket{method=\"/a\",le=\"+Inf\"} 5\n" +
            "d_seconds_sum{method=\"/a\"} 7.25\n" +
            "d_seconds_count{method=\"/a\"} 5\n",
            Text);
    }

    [Fact]
    public void WriteHistogram_NoLabels_OnlyLeInBraces()
    {
        var writer = new PrometheusTextWriter(_output);

        writer.WriteHistogram("h"u8, default, [PrometheusTextWriter.EncodeBound(10)], [1, 0], 3);

        Assert.Equal("h_bucket{le=\"10\"} 1\nh_bucket{le=\"+Inf\"} 1\nh_sum 3\nh_count 1\n", Text);
    }
}
