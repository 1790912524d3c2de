using System.Text;

namespace Collector.Bench.Report;

/// <summary>
/// One figure measured against a goal (or shown as a reference when <see cref="Goal"/> is null). <see cref="Met"/> is
/// null when a figure the verdict needs is missing, so a failed step never reads as a goal met.
/// </summary>
internal sealed record GoalCheck(string Figure, string Measured, string? Goal, bool? Met, string Source)
{
    public string Verdict => Goal is null ? "reference" : Met switch
    {
        true => "met",
        false => "not met",
        null => $"{Markdown.Missing} (not measured)",
    };

    /// <summary>One line for the terminal at the end of bench/run-all.</summary>
    public string Line => Goal is null ? $"{Figure}: {Measured}" : $"{Figure}: {Measured}; goal {Goal}: {Verdict}";

    /// <summary>The goals as a table: one row each, the verdict in bold where there is a goal.</summary>
    public static void AppendTable(StringBuilder text, IEnumerable<GoalCheck> goals)
    {
        text.Row("figure", "this run", "goal", "verdict", "source");
        text.Row("---", "---:", "---", "---", "---");
        foreach (var goal in goals)
        {
            text.Row(goal.Figure, goal.Measured, goal.Goal ?? "", goal.Goal is null ? goal.Verdict : $"**{goal.Verdict}**", goal.Source);
        }

        text.AppendLine();
    }
}
