namespace Collector.Host.Security;

/// <summary>What a key may do: send events, read the query API, or everything.</summary>
public enum ApiKeyRole
{
    Ingest,
    Query,
    Admin,
}

/// <summary>What a path asks of its caller.</summary>
public enum AccessRequirement
{
    /// <summary>No key needed (/healthcheck, /telemetry/public).</summary>
    Public,

    /// <summary>Any valid key: a gRPC method that does not exist answers UNIMPLEMENTED only to a known caller.</summary>
    AnyKey,

    Ingest,
    Query,
    Admin,
}

public static class ApiKeyRoles
{
    public static readonly string[] Names = ["ingest", "query", "admin"];

    public static bool TryParse(string? text, out ApiKeyRole role)
    {
        role = default;
        var index = Array.FindIndex(Names, n => string.Equals(n, text, StringComparison.OrdinalIgnoreCase));
        if (index < 0)
        {
            return false;
        }

        role = (ApiKeyRole)index;
        return true;
    }

    public static string Name(this ApiKeyRole role) => Names[(int)role];

    /// <summary>Admin may do everything; the other roles only their own part (and any-key paths).</summary>
    public static bool Allows(this ApiKeyRole role, AccessRequirement requirement) => requirement switch
    {
        AccessRequirement.Public or AccessRequirement.AnyKey => true,
        AccessRequirement.Ingest => role is ApiKeyRole.Ingest or ApiKeyRole.Admin,
        AccessRequirement.Query => role is ApiKeyRole.Query or ApiKeyRole.Admin,
        _ => role == ApiKeyRole.Admin,
    };
}
