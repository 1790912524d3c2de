namespace Collector.Host.Configuration;

/// <summary>
/// Settings that were renamed, still honoured under their old names so an upgraded node keeps its configuration:
/// an old flag sets the new key; an old key in a file or the environment is used when the new key is not set
/// anywhere. Each use is reported, so the operator can move to the new name.
/// </summary>
public static class RenamedSettings
{
    /// <summary>Old key → new key (both under the Collector section).</summary>
    private static readonly (string OldKey, string NewKey)[] Keys =
    [
        // The forwarder's budget became the whole log's, in every profile (issue 14).
        ("UpstreamBudgetBytes", "LogBudgetBytes"),
        ("UpstreamBudgetDays", "LogBudgetDays"),
    ];

    /// <summary>Old flag → new flag.</summary>
    private static readonly (string OldFlag, string NewFlag)[] Flags =
    [
        ("--upstream-budget-bytes", "--log-budget-bytes"),
        ("--upstream-budget-days", "--log-budget-days"),
    ];

    /// <summary>The current flag for an old one, or the flag itself.</summary>
    public static string CurrentFlag(string flag) =>
        Flags.FirstOrDefault(f => string.Equals(f.OldFlag, flag, StringComparison.Ordinal)).NewFlag ?? flag;

    /// <summary>Copies each old key's value to its new key where only the old one is set; returns the old keys used.</summary>
    public static IReadOnlyList<string> Apply(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var used = new List<string>();
        var section = configuration.GetSection(CollectorOptions.Section);
        foreach (var (oldKey, newKey) in Keys)
        {
            if (section[oldKey] is { } value)
            {
                used.Add($"{CollectorOptions.Section}:{oldKey} (now {CollectorOptions.Section}:{newKey})");
                section[newKey] ??= value;
            }
        }

        return used;
    }
}
