using Collector.Protocol.Grpc;

namespace Collector.Tests.Protocol;

public sealed class GrpcTextTests
{
    [Theory]
    [InlineData("plain text", "plain text")]
    [InlineData("100%", "100%25")]
    [InlineData("ünï", "%C3%BCn%C3%AF")]
    [InlineData("line\nbreak", "line%0Abreak")]
    public void PercentEncoding_Encode_ThenDecodeRoundTrips(string text, string encoded)
    {
        Assert.Equal(encoded, GrpcPercentEncoding.Encode(text));
        Assert.Equal(text, GrpcPercentEncoding.Decode(encoded));
    }

    [Fact]
    public void PercentEncoding_DecodeMalformedEscape_LeftAsIs() =>
        Assert.Equal("50%Z and %", GrpcPercentEncoding.Decode("50%Z and %"));

    [Theory]
    [InlineData("1H", 36_000_000_000L)]
    [InlineData("2M", 1_200_000_000L)]
    [InlineData("3S", 30_000_000L)]
    [InlineData("250m", 2_500_000L)]
    [InlineData("7u", 70L)]
    [InlineData("1000n", 10L)]
    public void Timeout_Parse_Units(string header, long ticks)
    {
        Assert.True(GrpcTimeout.TryParse(header, out var timeout));
        Assert.Equal(ticks, timeout.Ticks);
    }

    [Theory]
    [InlineData("")]
    [InlineData("10")]
    [InlineData("123456789S")]
    [InlineData("-1S")]
    [InlineData("1x")]
    public void Timeout_ParseInvalid_False(string header) => Assert.False(GrpcTimeout.TryParse(header, out _));

    [Fact]
    public void Timeout_Format_FitsEightDigitsAndNeverShortens()
    {
        Assert.Equal("300000u", GrpcTimeout.Format(TimeSpan.FromMilliseconds(300)));
        var day = GrpcTimeout.Format(TimeSpan.FromDays(2));
        Assert.True(day.Length <= 9);
        Assert.True(GrpcTimeout.TryParse(day, out var parsed) && parsed >= TimeSpan.FromDays(2));
    }

    [Theory]
    [InlineData("application/grpc", true)]
    [InlineData("application/grpc+proto", true)]
    [InlineData("application/grpc; charset=utf-8", true)]
    [InlineData("application/grpc+json", false)]
    [InlineData("application/json", false)]
    [InlineData(null, false)]
    public void ContentType_Recognised(string? contentType, bool expected) =>
        Assert.Equal(expected, GrpcHeaders.IsGrpcProtoContentType(contentType));
}
