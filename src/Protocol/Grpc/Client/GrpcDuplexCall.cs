using System.Buffers;
using System.Net.Http;
using System.Runtime.CompilerServices;
using Google.Protobuf;

namespace Collector.Protocol.Grpc.Client;

/// <summary>
/// A bidirectional streaming call. One writer and one reader may work at the same time; the request side ends
/// with <see cref="CompleteRequestsAsync"/>, the response side when <see cref="ReadNextAsync"/> returns null
/// (status OK) or throws <see cref="GrpcStatusException"/>. Disposing cancels a call that has not ended, and ends
/// the request side of one the server has ended.
/// </summary>
public sealed class GrpcDuplexCall<TRequest, TResponse> : IAsyncDisposable
    where TRequest : IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    private readonly GrpcClient _client;
    private readonly HttpRequestMessage _request;
    private readonly DuplexRequestContent _content;
    private readonly Task<HttpResponseMessage> _responseTask;
    private readonly MessageParser<TResponse> _parser;
    private readonly GrpcCallScope _scope;
    private readonly ArrayBufferWriter<byte> _frame = new(4096);
    private GrpcResponseReader<TResponse>? _reader;
    private HttpResponseMessage? _response;

    internal GrpcDuplexCall(
        GrpcClient client,
        HttpRequestMessage request,
        DuplexRequestContent content,
        Task<HttpResponseMessage> responseTask,
        MessageParser<TResponse> parser,
        GrpcCallScope scope)
    {
        _client = client;
        _request = request;
        _content = content;
        _responseTask = responseTask;
        _parser = parser;
        _scope = scope;

        // A connection that never opens leaves the request stream pending; fail writers fast instead.
        _ = responseTask.ContinueWith(
            static (task, state) => ((DuplexRequestContent)state!).Abort(task.Exception?.InnerException ?? new OperationCanceledException("call failed before it opened")),
            content,
            CancellationToken.None,
            TaskContinuationOptions.NotOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    /// <summary>The status once the server has ended the call.</summary>
    public GrpcStatus? Status => _reader?.Status;

    /// <summary>Sends one message. If the server has already ended the call, throws with the server's status.</summary>
    public Task WriteAsync(TRequest message, CancellationToken cancellationToken = default)
    {
        _frame.ResetWrittenCount();
        _client.WriteFrame(_frame, message);
        return WriteFramedAsync(cancellationToken);
    }

    /// <summary>
    /// Sends one message that is already encoded (a relay forwarding bytes it holds, without parsing them into
    /// objects); the bytes must be a valid encoding of the request type.
    /// </summary>
    public Task WriteRawAsync(ReadOnlySpan<byte> encodedMessage, CancellationToken cancellationToken = default)
    {
        _frame.ResetWrittenCount();
        _client.WriteRawFrame(_frame, encodedMessage);
        return WriteFramedAsync(cancellationToken);
    }

    private async Task WriteFramedAsync(CancellationToken cancellationToken)
    {
        try
        {
            var stream = await _content.RequestStream.WaitAsync(_scope.Token);
            await stream.WriteAsync(_frame.WrittenMemory, cancellationToken);
            await stream.FlushAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not GrpcStatusException && ex is not OutOfMemoryException)
        {
            throw await StatusOfFailedWriteAsync(ex);
        }
    }

    /// <summary>
    /// Completes when the HTTP/2 stream is open and requests can be written: the connection is up and the server
    /// took the stream. Throws the call's status when it could not be opened (UNAVAILABLE for an unreachable server).
    /// </summary>
    public async Task WaitForOpenAsync()
    {
        try
        {
            await _content.RequestStream.WaitAsync(_scope.Token);
        }
        catch (Exception ex) when (ex is not GrpcStatusException && ex is not OutOfMemoryException)
        {
            throw await StatusOfFailedWriteAsync(ex);
        }
    }

    /// <summary>Ends the request side; responses may still follow.</summary>
    public Task CompleteRequestsAsync()
    {
        _content.Complete();
        return Task.CompletedTask;
    }

    /// <summary>The next response, or null when the call ended with OK. A non-OK status throws.</summary>
    public async ValueTask<TResponse?> ReadNextAsync()
    {
        try
        {
            var reader = await GetReaderAsync();
            var message = await reader.ReadNextAsync(_scope.Token);
            if (message is null)
            {
                reader.ThrowIfNotOk();
            }

            return message;
        }
        catch (Exception ex) when (ex is not GrpcStatusException && ex is not OutOfMemoryException)
        {
            throw GrpcTransportErrors.ToStatusException(ex, _scope.DeadlineExceeded, _scope.CancelledByCaller);
        }
    }

    public async IAsyncEnumerable<TResponse> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (!cancellationToken.IsCancellationRequested && await ReadNextAsync() is { } message)
        {
            yield return message;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_reader?.Status is null)
        {
            // Not ended by the server: cancelling resets the HTTP/2 stream, which the server sees as CANCELLED.
            _scope.Cancel();
            _content.Abort(new OperationCanceledException("call disposed"));
        }
        else
        {
            // Ended by the server while we may still be sending: end our side too, so the HTTP/2 stream closes now
            // instead of staying half open on the server until it gives up waiting.
            _content.Complete();
        }

        try
        {
            await _responseTask;
        }
        catch (Exception ex) when (ex is OperationCanceledException or HttpRequestException or IOException)
        {
            // The call was cancelled or failed; its outcome was already reported to the reader or writer.
        }

        _response?.Dispose();
        _request.Dispose();
        _scope.Dispose();
    }

    private async Task<GrpcResponseReader<TResponse>> GetReaderAsync()
    {
        if (_reader is null)
        {
            _response = await _responseTask;
            _reader = await GrpcResponseReader<TResponse>.OpenAsync(_response, _parser, _client.Options.MaxReceiveMessageBytes, _scope.Token);
        }

        return _reader;
    }

    private async Task<GrpcStatusException> StatusOfFailedWriteAsync(Exception writeFailure)
    {
        // A write fails when the server ended the call first. With Trailers-Only its status is already here;
        // otherwise the reader gets it from the trailers and the writer reports the transport error.
        if (_responseTask.IsCompletedSuccessfully)
        {
            var response = await _responseTask;
            if ((GrpcResponseStatus.FromHttpStatus(response) ?? (GrpcResponseStatus.TryRead(response.Headers, out var early) ? early : null)) is { } status)
            {
                return new GrpcStatusException(status.Code, status.Message, writeFailure);
            }
        }

        return GrpcTransportErrors.ToStatusException(writeFailure, _scope.DeadlineExceeded, _scope.CancelledByCaller);
    }
}
