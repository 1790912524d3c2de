using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;

namespace Collector.Host.Security;

/// <summary>The one authorization requirement: what <see cref="AccessPolicy"/>'s table asks of the request's path.</summary>
public sealed class AccessTableRequirement : IAuthorizationRequirement
{
    public static readonly AuthorizationPolicy Policy = new AuthorizationPolicyBuilder().AddRequirements(new AccessTableRequirement()).Build();
}

/// <summary>
/// Decides <see cref="AccessTableRequirement"/> for every request on both listeners (it is the fallback policy, so it
/// also covers paths no endpoint serves and gRPC methods that do not exist): met when no keys are configured, when
/// the path is public, or when the authenticated key's role allows what the table asks. A met requirement records
/// the <see cref="ApiCaller"/>, whose rate bucket the ingest handlers use. Unmet, ASP.NET Core's authorization asks
/// <see cref="ApiKeyAuthenticationHandler"/> to challenge (no valid key) or forbid (a key of the wrong role).
/// </summary>
public sealed class AccessTableHandler(ApiKeyRing keys, EventRateLimiter rates) : AuthorizationHandler<AccessTableRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, AccessTableRequirement requirement)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Resource is not HttpContext http)
        {
            return Task.CompletedTask;
        }

        var needed = AccessPolicy.For(http);
        if (!keys.Enabled || needed == AccessRequirement.Public)
        {
            http.Features.Set(new ApiCaller(ApiCaller.Unauthenticated, ApiKeyRole.Admin, rates.BucketFor(ApiCaller.Unauthenticated)));
            context.Succeed(requirement);
            return Task.CompletedTask;
        }

        if (context.User.Identity is { IsAuthenticated: true, Name: { } name }
            && ApiKeyRoles.TryParse(context.User.FindFirstValue(ClaimTypes.Role), out var role)
            && role.Allows(needed))
        {
            http.Features.Set(new ApiCaller(name, role, rates.BucketFor(name)));
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}
