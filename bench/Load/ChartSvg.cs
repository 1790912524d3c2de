using System.Globalization;
using System.Security;
using System.Text;

namespace Collector.Bench.Load;

/// <summary>
/// Draws the run as a standalone SVG: throughput (offered and acked events/s) in the top panel, ack latency p50
/// and p99 in the bottom one, both over seconds since the start, with labelled axes and a legend. Plain SVG 1.1
/// with no script or external font, so browsers and GitHub's markdown render it.
/// </summary>
internal static class ChartSvg
{
    private const int Width = 900;
    private const int PanelHeight = 250;
    private const int Left = 90;
    private const int Right = 30;
    private const int Top = 50;
    private const int Gap = 80;
    private const int Bottom = 50;

    public static string Render(IReadOnlyList<SecondSample> samples, string title)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var height = Top + PanelHeight + Gap + PanelHeight + Bottom;
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"""<svg xmlns="http://www.w3.org/2000/svg" width="{Width}" height="{height}" viewBox="0 0 {Width} {height}" font-family="sans-serif" font-size="12">""").AppendLine();
        svg.Append(CultureInfo.InvariantCulture, $"""<rect width="{Width}" height="{height}" fill="white"/>""").AppendLine();
        svg.Append(CultureInfo.InvariantCulture, $"""<text x="{Width / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold">{Escape(title)}</text>""").AppendLine();

        var xAxis = Axis.Fit(samples.Count == 0 ? 1 : samples[^1].Seconds);
        Panel(svg, Top, "events/s", xAxis, samples,
            [("offered", "#9e9e9e", s => s.OfferedPerSecond), ("acked (accepted)", "#1565c0", s => s.AckedPerSecond)]);
        Panel(svg, Top + PanelHeight + Gap, "ack latency (ms)", xAxis, samples,
            [("p50", "#2e7d32", s => s.AckP50Ms), ("p99", "#c62828", s => s.AckP99Ms)]);
        svg.AppendLine("</svg>");
        return svg.ToString();
    }

    private static void Panel(StringBuilder svg, int top, string yLabel, Axis xAxis, IReadOnlyList<SecondSample> samples, (string Name, string Color, Func<SecondSample, double> Value)[] series)
    {
        var plotWidth = Width - Left - Right;
        var bottom = top + PanelHeight;
        var yAxis = Axis.Fit(samples.Count == 0 ? 1 : series.Max(s => samples.Max(s.Value)));
        double X(double seconds) => Left + (seconds / xAxis.Max * plotWidth);
        double Y(double value) => bottom - (value / yAxis.Max * PanelHeight);

        // Grid lines with their tick labels.
        for (var i = 0; i <= yAxis.Steps; i++)
        {
            var y = Y(yAxis.Step * i);
            svg.Append(CultureInfo.InvariantCulture, $"""<line x1="{Left}" y1="{y:0.#}" x2="{Width - Right}" y2="{y:0.#}" stroke="#e0e0e0"/>""").AppendLine();
            svg.Append(CultureInfo.InvariantCulture, $"""<text x="{Left - 8}" y="{y + 4:0.#}" text-anchor="end">{FormatTick(yAxis.Step * i)}</text>""").AppendLine();
        }

        for (var i = 0; i <= xAxis.Steps; i++)
        {
            var x = X(xAxis.Step * i);
            svg.Append(CultureInfo.InvariantCulture, $"""<line x1="{x:0.#}" y1="{top}" x2="{x:0.#}" y2="{bottom}" stroke="#e0e0e0"/>""").AppendLine();
            svg.Append(CultureInfo.InvariantCulture, $"""<text x="{x:0.#}" y="{bottom + 18}" text-anchor="middle">{FormatTick(xAxis.Step * i)}</text>""").AppendLine();
        }

        svg.Append(CultureInfo.InvariantCulture, $"""<rect x="{Left}" y="{top}" width="{plotWidth}" height="{PanelHeight}" fill="none" stroke="#424242"/>""").AppendLine();
        svg.Append(CultureInfo.InvariantCulture, $"""<text x="{Left + (plotWidth / 2)}" y="{bottom + 38}" text-anchor="middle">seconds since start</text>""").AppendLine();
        svg.Append(CultureInfo.InvariantCulture, $"""<text transform="translate(24 {top + (PanelHeight / 2)}) rotate(-90)" text-anchor="middle">{Escape(yLabel)}</text>""").AppendLine();

        for (var s = 0; s < series.Length; s++)
        {
            var (name, color, value) = series[s];
            var points = string.Join(' ', samples.Select(p => string.Create(CultureInfo.InvariantCulture, $"{X(p.Seconds):0.#},{Y(value(p)):0.#}")));
            svg.Append(CultureInfo.InvariantCulture, $"""<polyline fill="none" stroke="{color}" stroke-width="2" points="{points}"/>""").AppendLine();

            // Legend, top right inside the panel.
            var legendY = top + 16 + (s * 18);
            var legendX = Width - Right - 150;
            svg.Append(CultureInfo.InvariantCulture, $"""<line x1="{legendX}" y1="{legendY - 4}" x2="{legendX + 24}" y2="{legendY - 4}" stroke="{color}" stroke-width="3"/>""").AppendLine();
            svg.Append(CultureInfo.InvariantCulture, $"""<text x="{legendX + 30}" y="{legendY}">{Escape(name)}</text>""").AppendLine();
        }
    }

    /// <summary>An axis from 0 in round steps: at most 8 of them, the last at or above the largest value.</summary>
    private readonly record struct Axis(double Step, int Steps)
    {
        public double Max => Step * Steps;

        public static Axis Fit(double largest)
        {
            var step = NiceCeiling(largest / 8);
            return new Axis(step, Math.Max(1, (int)Math.Ceiling((largest / step) - 1e-9)));
        }
    }

    /// <summary>The smallest of 1, 2, 2.5 or 5 times a power of ten at or above <paramref name="value"/>, so ticks are round numbers.</summary>
    public static double NiceCeiling(double value)
    {
        if (!(value > 0))
        {
            return 1;
        }

        var power = Math.Pow(10, Math.Floor(Math.Log10(value)));
        foreach (var step in new[] { 1, 2, 2.5, 5, 10 })
        {
            if (step * power >= value)
            {
                return step * power;
            }
        }

        return 10 * power;
    }

    private static string FormatTick(double value) =>
        value >= 1000 ? value.ToString("#,0", CultureInfo.InvariantCulture) : value.ToString("0.###", CultureInfo.InvariantCulture);

    private static string Escape(string text) => SecurityElement.Escape(text);
}
