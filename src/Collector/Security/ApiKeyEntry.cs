namespace Collector.Host.Security;

/// <summary>One configured key, as read from configuration or the keys file; the key itself lives only until it is hashed.</summary>
public sealed record ApiKeyEntry(string Name, ApiKeyRole Role, string Key);
