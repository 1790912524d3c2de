namespace Collector.Forwarder;

/// <summary>The forwarder's backlog, read at the moment someone asks (/healthcheck, /metrics), never a stale copy.</summary>
public interface IForwarderBacklog
{
    /// <summary>Log entries between the forwarder's cursor and the committed tail; 0 exactly when <see cref="Bytes"/> is.</summary>
    long Entries { get; }

    /// <summary>Committed log bytes the upstream has not acknowledged.</summary>
    long Bytes { get; }
}
