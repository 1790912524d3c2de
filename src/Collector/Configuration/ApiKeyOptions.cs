namespace Collector.Host.Configuration;

/// <summary>One API key in configuration: Collector:ApiKeys:0:Name, ...:Role, ...:Key (Collector__ApiKeys__0__Key in the environment).</summary>
public sealed class ApiKeyOptions
{
    /// <summary>Shown in logs and metrics instead of the key; unique.</summary>
    public string? Name { get; set; }

    /// <summary>ingest, query or admin.</summary>
    public string? Role { get; set; }

    /// <summary>The secret the caller sends as <c>authorization: Bearer &lt;key&gt;</c>; at least 16 characters, never logged.</summary>
    public string? Key { get; set; }
}
