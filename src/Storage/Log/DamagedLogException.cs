namespace Collector.Storage.Log;

/// <summary>
/// The log's commit records do not agree with its segment files and none can be trusted: the collector refuses to
/// start (exit code 3) rather than start on a record that points past the data or lose what it covered.
/// </summary>
public sealed class DamagedLogException : Exception
{
    public DamagedLogException()
    {
    }

    public DamagedLogException(string message)
        : base(message)
    {
    }

    public DamagedLogException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public DamagedLogException(string message, string recordPath)
        : base(message)
    {
        RecordPath = recordPath;
    }

    /// <summary>The newest commit record, the one that failed first.</summary>
    public string? RecordPath { get; }
}
