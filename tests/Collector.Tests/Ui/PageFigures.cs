using System.Globalization;
using System.Text.Json;

namespace Collector.Tests.Ui;

/// <summary>
/// The figures a part of the page shows: every element under a root with data-path (a JSON path into the answer the
/// part was drawn from) and data-value (the raw figure), read in one evaluation so they belong to one drawing.
/// </summary>
internal sealed record PageFigures(IReadOnlyDictionary<string, string> Root, IReadOnlyList<(string Path, string Value, string Text)> Figures, IReadOnlyList<(string Name, string Value)> Derived)
{
    public static async Task<PageFigures> ReadAsync(HeadlessBrowser browser, string rootSelector)
    {
        var json = await browser.EvaluateAsync<string>($$"""
            (() => {
              const root = document.querySelector({{JsonSerializer.Serialize(rootSelector)}});
              const pick = (selector, name) => [...root.querySelectorAll(selector)].map(e => [e.dataset[name], e.dataset.value, e.textContent]);
              return JSON.stringify({ root: { ...root.dataset }, figures: pick('[data-path]', 'path'), derived: pick('[data-derived]', 'derived') });
            })()
            """);
        var page = JsonDocument.Parse(json).RootElement;
        return new PageFigures(
            page.GetProperty("root").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? string.Empty, StringComparer.Ordinal),
            [.. page.GetProperty("figures").EnumerateArray().Select(f => (f[0].GetString()!, f[1].GetString()!, f[2].GetString()!))],
            [.. page.GetProperty("derived").EnumerateArray().Select(f => (f[0].GetString()!, f[1].GetString()!))]);
    }

    /// <summary>Asserts that every figure is the value at its path in <paramref name="answer"/>; returns how many were compared.</summary>
    public int AssertShows(JsonElement answer, string what)
    {
        Assert.NotEmpty(Figures);
        foreach (var (path, value, text) in Figures)
        {
            var expected = At(answer, path);
            var message = $"{what}: '{path}' shows {value} ('{text}'), the answer has {expected.GetRawText()}";
            switch (expected.ValueKind)
            {
                case JsonValueKind.Number:
                    Assert.True(double.Parse(value, CultureInfo.InvariantCulture) == expected.GetDouble(), message);
                    break;
                case JsonValueKind.Null:
                    Assert.True(value == "null", message);
                    break;
                case JsonValueKind.True or JsonValueKind.False:
                    Assert.True(value == expected.GetRawText(), message);
                    break;
                default:
                    Assert.True(value == expected.GetString(), message);
                    break;
            }
        }

        return Figures.Count;
    }

    public double Value(string path) => double.Parse(Figures.Single(f => f.Path == path).Value, CultureInfo.InvariantCulture);

    public double? DerivedValue(string name)
    {
        var value = Derived.Single(d => d.Name == name).Value;
        return value == "null" ? null : double.Parse(value, CultureInfo.InvariantCulture);
    }

    /// <summary>The element at a dotted path: "ingest.total.accepted", "consumers.1.lag_bytes" (numbers index arrays).</summary>
    public static JsonElement At(JsonElement answer, string path)
    {
        var element = answer;
        foreach (var part in path.Split('.'))
        {
            element = element.ValueKind == JsonValueKind.Array
                ? element[int.Parse(part, CultureInfo.InvariantCulture)]
                : element.GetProperty(part);
        }

        return element;
    }
}
