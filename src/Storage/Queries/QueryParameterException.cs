namespace Collector.Storage.Queries;

/// <summary>A query parameter that cannot be used; <see cref="Parameter"/> names it as the client spelled it.</summary>
public sealed class QueryParameterException : Exception
{
    public QueryParameterException()
        : this("query", "invalid query parameter")
    {
    }

    public QueryParameterException(string message)
        : this("query", message)
    {
    }

    public QueryParameterException(string message, Exception? innerException)
        : base(message, innerException)
    {
        Parameter = "query";
    }

    public QueryParameterException(string parameter, string message)
        : base(message)
    {
        Parameter = parameter;
    }

    public string Parameter { get; }
}
