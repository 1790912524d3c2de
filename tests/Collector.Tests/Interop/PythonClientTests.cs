using Collector.Tests.Infrastructure;

namespace Collector.Tests.Interop;

/// <summary>Debian's grpcio as the client of our server.</summary>
public sealed class PythonClientTests : CollectorTest
{
    [Fact]
    public async Task Stream_200kEventsInBatchesOf500_AllAckedThenResendIsAllDuplicates()
    {
        string[] args = ["client-stream", "--target", Collector.GrpcTarget, "--source", "py-load", "--events", "200000", "--batch", "500", "--first-sequence", "1"];

        var first = await PythonPeer.RunClientAsync(args);

        Assert.False(first.TryGetProperty("code", out _), first.ToString());
        Assert.Equal(400, first.GetProperty("acks").GetInt32());
        Assert.Equal(200_000, first.GetProperty("accepted").GetInt32());
        Assert.Equal(200_000ul, first.GetProperty("durable_through").GetUInt64());

        var again = await PythonPeer.RunClientAsync(args);

        Assert.Equal(0, again.GetProperty("accepted").GetInt32());
        Assert.Equal(200_000, again.GetProperty("duplicates").GetInt32());
        var stored = await LogContents.ReadAsync(Collector.App.Log);
        Assert.Equal(200_000, stored.Count);
        Assert.Equal(200_000, stored.Select(e => e.Sequence).Distinct().Count());
    }

    [Fact]
    public async Task Stream_Gzip_AllAcked()
    {
        var result = await PythonPeer.RunClientAsync("client-stream", "--target", Collector.GrpcTarget, "--source", "py-gzip", "--events", "5000", "--batch", "500", "--first-sequence", "1", "--gzip");

        Assert.Equal(5000, result.GetProperty("accepted").GetInt32());
    }

    [Fact]
    public async Task Send_InvalidEvents_RejectedWithReasonsOthersAccepted()
    {
        var result = await PythonPeer.RunClientAsync(
            "client-send", "--target", Collector.GrpcTarget, "--source", "py-invalid", "--first-sequence", "10", "--events", "8",
            "--invalid", "empty-type,long-component,bad-trace,bad-span,nan,too-many-attrs,long-message");

        Assert.Equal("OK", result.GetProperty("code").GetString());
        Assert.Equal(1, result.GetProperty("accepted").GetInt32());
        var rejections = result.GetProperty("rejections").EnumerateArray().Select(r => r.GetProperty("reason").GetString()).ToList();
        Assert.Equal(7, rejections.Count);
        Assert.Contains(rejections, r => r!.Contains("event_type is empty", StringComparison.Ordinal));
        Assert.Equal("17", result.GetProperty("durable_through").GetString());
    }

    [Theory]
    [InlineData("/telemetry.v1.Collector/Send", "garbage", "INVALID_ARGUMENT")]
    [InlineData("/telemetry.v1.Collector/Send", "too-large", "RESOURCE_EXHAUSTED")]
    [InlineData("/telemetry.v1.Collector/Send", "empty", "OK")]
    [InlineData("/telemetry.v1.Collector/Nope", "empty", "UNIMPLEMENTED")]
    public async Task Raw_ErrorCases_StatusAsSpecified(string method, string @case, string expected)
    {
        var result = await PythonPeer.RunClientAsync("client-raw", "--target", Collector.GrpcTarget, "--method", method, "--case", @case);

        Assert.Equal(expected, result.GetProperty("code").GetString());
        var after = await PythonPeer.RunClientAsync("client-send", "--target", Collector.GrpcTarget, "--source", $"py-after-{@case}", "--events", "1");
        Assert.Equal("OK", after.GetProperty("code").GetString());
    }
}
