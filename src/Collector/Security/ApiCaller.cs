namespace Collector.Host.Security;

/// <summary>
/// Who made the current request, set on <see cref="HttpContext.Features"/> by the access check before any handler
/// runs. Handlers pass <see cref="Bucket"/> to <c>IngestService.Ingest</c> so the caller's event rate is enforced.
/// </summary>
public sealed record ApiCaller(string Name, ApiKeyRole Role, EventRateBucket? Bucket)
{
    /// <summary>The name callers without a key share (no keys configured, or a public path); no key can have it.</summary>
    public const string Unauthenticated = "(unauthenticated)";

    /// <summary>The caller of <paramref name="context"/>; one without a key when the access check did not run (tests).</summary>
    public static ApiCaller Of(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Features.Get<ApiCaller>() ?? new ApiCaller(Unauthenticated, ApiKeyRole.Admin, null);
    }
}
