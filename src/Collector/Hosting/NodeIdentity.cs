using System.Globalization;
using Collector.Host.Configuration;

namespace Collector.Host.Hosting;

/// <summary>
/// Who this collector is: a node id that stays the same across restarts, its role, and free tags. The id is
/// configured, or else the one kept in &lt;data-dir&gt;/node-id, or else derived once as collector-&lt;role&gt;-&lt;host&gt;
/// and kept there, so adding ClickHouse to an edge later does not rename the node in its events' provenance.
/// </summary>
public sealed record NodeIdentity(string NodeId, string Role, IReadOnlyList<string> Tags)
{
    public const string FileName = "node-id";

    public static readonly IReadOnlyList<string> Roles = ["edge", "regional", "core", "standalone"];

    public static NodeIdentity Resolve(CollectorOptions options, string dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(options);
        var role = options.Role ?? DefaultRole(options);
        var tags = (options.Tags ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return new NodeIdentity(options.NodeId ?? KeptOrDerived(role, dataDirectory), role, tags);
    }

    /// <summary>core stores, edge forwards, regional does both; standalone does neither (log only).</summary>
    public static string DefaultRole(CollectorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return (options.ClickHouseUrl is not null, options.UpstreamUrl is not null) switch
        {
            (true, false) => "core",
            (false, true) => "edge",
            (true, true) => "regional",
            _ => "standalone",
        };
    }

    private static string KeptOrDerived(string role, string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, FileName);
        if (File.Exists(path) && File.ReadAllText(path).Trim() is { Length: > 0 } kept)
        {
            return kept;
        }

        var derived = string.Create(CultureInfo.InvariantCulture, $"collector-{role}-{Environment.MachineName.ToLowerInvariant()}");
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, derived + "\n");
        File.Move(temporary, path, overwrite: true);
        return derived;
    }
}
