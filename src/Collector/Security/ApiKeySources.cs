using System.Security.Cryptography;
using System.Text;
using Collector.Host.Configuration;

namespace Collector.Host.Security;

/// <summary>
/// Reads the keys of <see cref="CollectorOptions.ApiKeys"/> and <see cref="CollectorOptions.ApiKeysFile"/> and checks
/// them. Errors name the configuration key (and the file's line), never the API key itself.
/// </summary>
/// <remarks>
/// The file holds one key per line: <c>name role key</c>, separated by spaces or tabs; blank lines and lines starting
/// with '#' are ignored. A name is 1 to 64 of <c>A-Z a-z 0-9 . _ -</c>; a role is ingest, query or admin; a key is
/// at least <see cref="MinKeyLength"/> printable ASCII characters without spaces.
/// </remarks>
public static class ApiKeySources
{
    public const int MinKeyLength = 16;
    public const int MaxNameLength = 64;

    public static List<ApiKeyEntry> Load(CollectorOptions options, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(errors);
        var entries = new List<(ApiKeyEntry Entry, string Where)>();
        for (var i = 0; i < options.ApiKeys.Count; i++)
        {
            var key = options.ApiKeys[i];
            var where = $"{CollectorOptions.Section}:{nameof(options.ApiKeys)}:{i}";
            if (Check(key.Name, key.Role, key.Key, where, errors) is { } entry)
            {
                entries.Add((entry, where));
            }
        }

        if (options.ApiKeysFile is { } path)
        {
            ReadFile(path, entries, errors);
        }

        CheckUnique(entries, errors);
        return [.. entries.Select(e => e.Entry)];
    }

    private static void ReadFile(string path, List<(ApiKeyEntry Entry, string Where)> entries, List<string> errors)
    {
        var fileKey = $"{CollectorOptions.Section}:{nameof(CollectorOptions.ApiKeysFile)}";
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            errors.Add($"{fileKey}: cannot read '{path}': {ex.Message}");
            return;
        }

        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var where = $"{fileKey} ('{path}') line {i + 1}";
            var fields = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length != 3)
            {
                errors.Add($"{where}: expected 'name role key', found {fields.Length} fields");
                continue;
            }

            if (Check(fields[0], fields[1], fields[2], where, errors) is { } entry)
            {
                entries.Add((entry, where));
            }
        }
    }

    private static ApiKeyEntry? Check(string? name, string? roleText, string? key, string where, List<string> errors)
    {
        var before = errors.Count;
        if (string.IsNullOrEmpty(name) || name.Length > MaxNameLength || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
        {
            errors.Add($"{where}: name must be 1 to {MaxNameLength} of A-Z a-z 0-9 . _ - (was '{name}')");
        }

        if (!ApiKeyRoles.TryParse(roleText, out var role))
        {
            errors.Add($"{where}: role must be one of {string.Join(", ", ApiKeyRoles.Names)} (was '{roleText}')");
        }

        // The key is described, never shown: configuration errors end up in logs.
        if (string.IsNullOrEmpty(key))
        {
            errors.Add($"{where}: key is missing");
        }
        else if (key.Length < MinKeyLength)
        {
            errors.Add($"{where}: key is {key.Length} characters; at least {MinKeyLength} are required");
        }
        else if (key.Any(c => c is <= ' ' or > '~'))
        {
            errors.Add($"{where}: key must be printable ASCII without spaces (it travels in an HTTP header)");
        }

        return errors.Count == before ? new ApiKeyEntry(name!, role, key!) : null;
    }

    private static void CheckUnique(List<(ApiKeyEntry Entry, string Where)> entries, List<string> errors)
    {
        var names = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var digests = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (entry, where) in entries)
        {
            if (!names.TryAdd(entry.Name, where))
            {
                errors.Add($"{where}: name '{entry.Name}' is already used by {names[entry.Name]}");
            }

            var digest = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(entry.Key)));
            if (!digests.TryAdd(digest, where))
            {
                errors.Add($"{where}: key '{entry.Name}' is the same key as {digests[digest]}; every key must be unique");
            }
        }
    }
}
