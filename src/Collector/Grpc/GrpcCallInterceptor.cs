using Collector.Host.Security;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Collector.Host.Grpc;

/// <summary>
/// Around every call grpc-dotnet serves (ours, health and reflection): takes a slot of the
/// <see cref="ConcurrentCallLimit"/> (RESOURCE_EXHAUSTED at once when none is free), and turns whatever ends the
/// handler into the status the caller should see: a domain exception into its status (<see cref="GrpcErrors"/>), the
/// collector stopping into UNAVAILABLE, a passed deadline into DEADLINE_EXCEEDED, a client that left into CANCELLED,
/// and anything else into INTERNAL, logged with its exception (grpc-dotnet would answer UNKNOWN). Counting and the
/// call's span happen around the whole request, refusals included (<see cref="GrpcListenerMiddleware"/>).
/// </summary>
public sealed class GrpcCallInterceptor(ConcurrentCallLimit calls, IHostApplicationLifetime lifetime, ILogger<GrpcCallInterceptor> logger) : Interceptor
{
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation) =>
        GuardAsync(context, () => continuation(request, context));

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation) =>
        GuardAsync(context, () => continuation(requestStream, context));

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation) =>
        GuardAsync(context, async () =>
        {
            await continuation(request, responseStream, context);
            return true;
        });

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation) =>
        GuardAsync(context, async () =>
        {
            await continuation(requestStream, responseStream, context);
            return true;
        });

    /// <summary>Runs one call in a slot of the limit; one closure per call, never per message.</summary>
    private async Task<T> GuardAsync<T>(ServerCallContext context, Func<Task<T>> call)
    {
        Enter();
        try
        {
            return await call();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw StatusFor(ex, context);
        }
        finally
        {
            calls.Exit();
        }
    }

    private void Enter()
    {
        if (!calls.TryEnter())
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted, $"the collector already serves {calls.Limit} concurrent calls (MaxConcurrentStreams); retry later"));
        }
    }

    private RpcException StatusFor(Exception exception, ServerCallContext context)
    {
        if (GrpcErrors.StatusOf(exception) is { } status)
        {
            return exception as RpcException ?? new RpcException(status, GrpcErrors.TrailersOf(exception));
        }

        var clientGone = context.GetHttpContext().RequestAborted.IsCancellationRequested;
        return exception switch
        {
            OperationCanceledException when lifetime.ApplicationStopping.IsCancellationRequested => new RpcException(new Status(StatusCode.Unavailable, "the collector is shutting down")),
            OperationCanceledException when context.Deadline <= DateTime.UtcNow => new RpcException(new Status(StatusCode.DeadlineExceeded, "deadline exceeded")),
            OperationCanceledException or IOException when clientGone => new RpcException(new Status(StatusCode.Cancelled, "the client cancelled the call")),
            _ => Internal(exception, context.Method),
        };
    }

    private RpcException Internal(Exception exception, string method)
    {
        CollectorLog.CallFailed(logger, method, exception);
        return new RpcException(new Status(StatusCode.Internal, "internal error; see the collector's log"));
    }
}
