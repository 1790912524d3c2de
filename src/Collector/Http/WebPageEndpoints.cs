using Microsoft.Net.Http.Headers;

namespace Collector.Host.Http;

/// <summary>
/// GET (and HEAD) / (the page) and /ui/{file} (its scripts and styles), open to anyone: they carry no data, and the page asks
/// the JSON endpoints with the key the operator types in. Every answer forbids inline script and foreign origins
/// (Content-Security-Policy), sniffing and framing; files revalidate with their ETag on every load (no-cache), so an
/// upgraded collector never serves a stale mix of old and new scripts, and an unchanged one answers 304.
/// </summary>
public static class WebPageEndpoints
{
    public const string AssetPrefix = "/ui/";

    /// <summary>Everything from the collector itself; no inline script or style, no plugins, no framing.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    public static void Map(WebApplication app)
    {
        var assets = WebAssets.Load();
        string[] methods = [HttpMethods.Get, HttpMethods.Head];
        app.MapMethods("/", methods, context => AnswerAsync(context, assets.Find("index.html")));
        app.MapMethods(AssetPrefix + "{file}", methods, (HttpContext context, string file) => AnswerAsync(context, assets.Find(file)));
    }

    private static Task AnswerAsync(HttpContext context, WebAsset? asset)
    {
        var response = context.Response;
        var headers = response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        if (asset is null)
        {
            response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }

        headers.CacheControl = "no-cache";
        headers.ETag = asset.ETag;
        var match = context.Request.GetTypedHeaders().IfNoneMatch;
        if (match.Any(tag => tag.Equals(EntityTagHeaderValue.Any) || string.Equals(tag.Tag.Value, asset.ETag, StringComparison.Ordinal)))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }

        response.ContentType = asset.MediaType;
        response.ContentLength = asset.Bytes.Length;
        return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : response.Body.WriteAsync(asset.Bytes, context.RequestAborted).AsTask();
    }
}
