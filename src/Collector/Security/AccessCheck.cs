namespace Collector.Host.Security;

/// <summary>The outcome of <see cref="AccessCheck.Check"/>: allowed, or refused with a message for the caller.</summary>
public readonly record struct AccessDecision(AuthFailure Failure, string? Message)
{
    public static readonly AccessDecision Allowed = new(AuthFailure.None, null);

    public bool IsAllowed => Failure == AuthFailure.None;

    /// <summary>A known key of the wrong role (403 / PERMISSION_DENIED) rather than no known key (401 / UNAUTHENTICATED).</summary>
    public bool IsForbidden => Failure == AuthFailure.Forbidden;
}

/// <summary>
/// Decides whether a request may go on, for both listeners: finds the path's requirement in
/// <see cref="AccessPolicy"/>, authenticates the key, counts refusals, and records the <see cref="ApiCaller"/>.
/// Messages say what was wrong and never repeat the key.
/// </summary>
public sealed class AccessCheck(ApiKeyRing keys, EventRateLimiter rates, SecurityCounters counters)
{
    public const string Grpc = "grpc";
    public const string Http = "http";

    public bool KeysRequired => keys.Enabled;

    public AccessDecision Check(HttpContext context, string protocol)
    {
        ArgumentNullException.ThrowIfNull(context);
        var requirement = string.Equals(protocol, Grpc, StringComparison.Ordinal) ? AccessPolicy.ForGrpc(context.Request.Path) : AccessPolicy.ForHttp(context.Request.Path);
        if (!keys.Enabled || requirement == AccessRequirement.Public)
        {
            context.Features.Set(new ApiCaller(ApiCaller.Unauthenticated, ApiKeyRole.Admin, rates.BucketFor(ApiCaller.Unauthenticated)));
            return AccessDecision.Allowed;
        }

        var failure = keys.Authenticate(context.Request.Headers.Authorization, out var name, out var role);
        if (failure == AuthFailure.None && !role.Allows(requirement))
        {
            failure = AuthFailure.Forbidden;
        }

        if (failure != AuthFailure.None)
        {
            counters.AuthFailed(protocol, failure);
            return new AccessDecision(failure, failure switch
            {
                AuthFailure.MissingHeader => "missing API key: send the header 'authorization: Bearer <key>'",
                AuthFailure.MalformedHeader => "malformed authorization header: expected exactly one 'Bearer <key>'",
                AuthFailure.UnknownKey => "unknown API key",
                _ => $"key '{name}' has role {role.Name()}; {context.Request.Path} needs {RequirementText(requirement)}",
            });
        }

        context.Features.Set(new ApiCaller(name, role, rates.BucketFor(name)));
        return AccessDecision.Allowed;
    }

    private static string RequirementText(AccessRequirement requirement) => requirement switch
    {
        AccessRequirement.Ingest => "an ingest or admin key",
        AccessRequirement.Query => "a query or admin key",
        _ => "an admin key",
    };
}
