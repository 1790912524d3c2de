using System.Text.Json;

namespace Collector.Bench.Report;

/// <summary>Reads fields of the tools' JSON outputs by dotted path; a missing field is null, never a made-up zero.</summary>
internal static class JsonFields
{
    public static JsonElement? Load(string file)
    {
        if (!File.Exists(file))
        {
            return null;
        }

        using var document = JsonDocument.Parse(File.ReadAllText(file));
        return document.RootElement.Clone();
    }

    public static double? Number(this JsonElement? root, string path)
    {
        var element = Find(root, path);
        return element is { ValueKind: JsonValueKind.Number } e ? e.GetDouble() : null;
    }

    public static string? Text(this JsonElement? root, string path)
    {
        var element = Find(root, path);
        return element switch
        {
            { ValueKind: JsonValueKind.String } e => e.GetString(),
            { ValueKind: JsonValueKind.True } => "true",
            { ValueKind: JsonValueKind.False } => "false",
            { ValueKind: JsonValueKind.Number } e => e.GetRawText(),
            _ => null,
        };
    }

    public static JsonElement? Find(this JsonElement? root, string path)
    {
        var current = root;
        foreach (var name in path.Split('.'))
        {
            if (current is not { ValueKind: JsonValueKind.Object } element || !element.TryGetProperty(name, out var child))
            {
                return null;
            }

            current = child;
        }

        return current;
    }
}
