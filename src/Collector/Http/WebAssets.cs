using System.Collections.Frozen;
using System.Security.Cryptography;

namespace Collector.Host.Http;

/// <summary>
/// The web page's files (src/Collector/Web), embedded in the assembly as resources named <c>web/&lt;file&gt;</c> and read
/// once into memory with their media type and a strong ETag (a digest of the bytes). Embedded rather than copied beside
/// the binary: the page then ships wherever the collector does, cannot be half-upgraded or edited on a host, and needs
/// no content root or file-system access at run time.
/// </summary>
internal sealed class WebAssets
{
    private const string Prefix = "web/";

    private static readonly FrozenDictionary<string, string> MediaTypes = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [".html"] = "text/html; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".svg"] = "image/svg+xml",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private readonly FrozenDictionary<string, WebAsset> _files;

    private WebAssets(FrozenDictionary<string, WebAsset> files) => _files = files;

    public static WebAssets Load()
    {
        var assembly = typeof(WebAssets).Assembly;
        var files = new Dictionary<string, WebAsset>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var bytes = copy.ToArray();
            var file = name[Prefix.Length..];
            var mediaType = MediaTypes.GetValueOrDefault(Path.GetExtension(file), "application/octet-stream");
            files[file] = new WebAsset(bytes, mediaType, $"\"{Convert.ToHexStringLower(SHA256.HashData(bytes))[..32]}\"");
        }

        return new WebAssets(files.ToFrozenDictionary(StringComparer.Ordinal));
    }

    /// <summary>The file named <paramref name="file"/> (a bare name such as <c>app.js</c>), or null.</summary>
    public WebAsset? Find(string file) => _files.GetValueOrDefault(file);
}

internal sealed record WebAsset(byte[] Bytes, string MediaType, string ETag);
