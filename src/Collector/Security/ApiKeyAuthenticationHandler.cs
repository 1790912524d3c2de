using System.Security.Claims;
using System.Text.Encodings.Web;
using Collector.Host.Grpc;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Collector.Host.Security;

/// <summary>
/// API keys as ASP.NET Core authentication, for both listeners: a request's <c>authorization: Bearer &lt;key&gt;</c>
/// is looked up in the <see cref="ApiKeyRing"/> and becomes a principal with the key's name and role. Whether that is
/// enough is <see cref="AccessTableHandler"/>'s decision; this handler only says who is calling, and writes the
/// refusal when the decision is no: 401 with <c>WWW-Authenticate: Bearer</c> or 403 on the HTTP listener,
/// UNAUTHENTICATED or PERMISSION_DENIED on the gRPC listener. Every refusal is counted, and no message repeats the key.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggers,
    UrlEncoder encoder,
    ApiKeyRing keys,
    SecurityCounters counters)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggers, encoder)
{
    public const string SchemeName = "ApiKey";

    private AuthFailure _failure = AuthFailure.MissingHeader;

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!keys.Enabled)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        _failure = keys.Authenticate(Request.Headers.Authorization, out var name, out var role);
        if (_failure == AuthFailure.MissingHeader)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (_failure != AuthFailure.None)
        {
            return Task.FromResult(AuthenticateResult.Fail(FailureMessage(_failure)));
        }

        Claim[] claims = [new(ClaimTypes.Name, name), new(ClaimTypes.Role, role.Name())];
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName, ClaimTypes.Name, ClaimTypes.Role));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var grpc = GrpcListener.Serves(Context);
        counters.AuthFailed(grpc ? SecurityCounters.GrpcProtocol : SecurityCounters.HttpProtocol, _failure);
        var message = FailureMessage(_failure);
        if (grpc)
        {
            GrpcRefusal.Write(Context, global::Grpc.Core.StatusCode.Unauthenticated, message);
            return Task.CompletedTask;
        }

        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = _failure == AuthFailure.MissingHeader
            ? "Bearer realm=\"collector\""
            : "Bearer realm=\"collector\", error=\"invalid_token\"";
        return Response.WriteAsJsonAsync(new { error = message });
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        var grpc = GrpcListener.Serves(Context);
        counters.AuthFailed(grpc ? SecurityCounters.GrpcProtocol : SecurityCounters.HttpProtocol, AuthFailure.Forbidden);
        var role = Context.User.FindFirstValue(ClaimTypes.Role);
        var message = $"key '{Context.User.Identity?.Name}' has role {role}; {Request.Path} needs {RequirementText(AccessPolicy.For(Context))}";
        if (grpc)
        {
            GrpcRefusal.Write(Context, global::Grpc.Core.StatusCode.PermissionDenied, message);
            return Task.CompletedTask;
        }

        Response.StatusCode = StatusCodes.Status403Forbidden;
        return Response.WriteAsJsonAsync(new { error = message });
    }

    private static string FailureMessage(AuthFailure failure) => failure switch
    {
        AuthFailure.MalformedHeader => "malformed authorization header: expected exactly one 'Bearer <key>'",
        AuthFailure.UnknownKey => "unknown API key",
        _ => "missing API key: send the header 'authorization: Bearer <key>'",
    };

    private static string RequirementText(AccessRequirement requirement) => requirement switch
    {
        AccessRequirement.Ingest => "an ingest or admin key",
        AccessRequirement.Query => "a query or admin key",
        _ => "an admin key",
    };
}
