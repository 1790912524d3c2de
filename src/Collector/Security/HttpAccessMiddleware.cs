namespace Collector.Host.Security;

/// <summary>
/// The HTTP listener's gate: every request passes <see cref="AccessCheck"/> before routing runs its endpoint.
/// 401 with <c>WWW-Authenticate: Bearer</c> without a valid key, 403 for a key of the wrong role.
/// </summary>
public static class HttpAccessMiddleware
{
    public static void UseApiKeys(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var check = app.Services.GetRequiredService<AccessCheck>();
        app.Use(next => context =>
        {
            if (context.Features.Get<GrpcAccessChecked>() is not null)
            {
                // A gRPC call handed on to grpc-dotnet: the gRPC table was applied already.
                return next(context);
            }

            var decision = check.Check(context, AccessCheck.Http);
            if (decision.IsAllowed)
            {
                return next(context);
            }

            var response = context.Response;
            if (decision.IsForbidden)
            {
                response.StatusCode = StatusCodes.Status403Forbidden;
            }
            else
            {
                response.StatusCode = StatusCodes.Status401Unauthorized;
                response.Headers.WWWAuthenticate = decision.Failure == AuthFailure.MissingHeader
                    ? "Bearer realm=\"collector\""
                    : "Bearer realm=\"collector\", error=\"invalid_token\"";
            }

            return response.WriteAsJsonAsync(new { error = decision.Message });
        });
    }
}
