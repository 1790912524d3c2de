using Grpc.Core;

namespace Collector.Tests.Infrastructure;

/// <summary>A streaming call's two sides as the tests use them: one response at a time, writes that may meet the end of the call.</summary>
internal static class CallStreams
{
    /// <summary>The next response, or null once the call has ended with OK; any other status throws <see cref="RpcException"/>.</summary>
    public static async Task<T?> ReadNextAsync<T>(this IAsyncStreamReader<T> responses)
        where T : class =>
        await responses.MoveNext(CancellationToken.None) ? responses.Current : null;

    /// <summary>
    /// Writes one request; false when the call is already over, its status then waiting on the response side.
    /// grpc-dotnet reports a write to a finished call as its status, but one on a reset stream or a lost connection
    /// as the transport's IOException or HttpRequestException.
    /// </summary>
    public static async Task<bool> TryWriteAsync<T>(this IClientStreamWriter<T> requests, T message)
    {
        try
        {
            await requests.WriteAsync(message);
            return true;
        }
        catch (Exception ex) when (ex is RpcException or IOException or HttpRequestException)
        {
            return false;
        }
    }
}
