namespace Collector.Storage.Log;

/// <summary>The settings ask for more than the existing log's geometry holds (see LogGeometry): a configuration error, exit code 2.</summary>
public sealed class LogGeometryMismatchException : Exception
{
    public LogGeometryMismatchException()
    {
    }

    public LogGeometryMismatchException(string message)
        : base(message)
    {
    }

    public LogGeometryMismatchException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
