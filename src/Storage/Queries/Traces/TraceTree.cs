namespace Collector.Storage.Queries;

/// <summary>
/// Orders a trace's spans as a tree by parent span id, whatever order they were stored in: roots are spans without a
/// parent or whose parent is not in the trace, siblings go by start time (then span id), and the result is the
/// depth-first walk, each span with its depth and its children's ids. Iterative, so a deep trace cannot overflow the
/// stack; a span repeated (same id) is kept once; spans caught in a parent cycle, which no root reaches, become roots.
/// </summary>
internal static class TraceTree
{
    public static (IReadOnlyList<string> Roots, IReadOnlyList<SpanNode> Spans) Build(IEnumerable<SpanNode> stored)
    {
        var spans = stored
            .OrderBy(s => s.StartNs)
            .ThenBy(s => s.SpanId, StringComparer.Ordinal)
            .DistinctBy(s => s.SpanId, StringComparer.Ordinal)
            .ToList();
        var byId = spans.ToDictionary(s => s.SpanId, StringComparer.Ordinal);
        var children = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var roots = new List<string>();
        foreach (var span in spans)
        {
            if (span.ParentSpanId.Length > 0 && byId.ContainsKey(span.ParentSpanId) && !string.Equals(span.ParentSpanId, span.SpanId, StringComparison.Ordinal))
            {
                (children.TryGetValue(span.ParentSpanId, out var list) ? list : children[span.ParentSpanId] = []).Add(span.SpanId);
            }
            else
            {
                roots.Add(span.SpanId);
            }
        }

        var ordered = new List<SpanNode>(spans.Count);
        var visited = new HashSet<string>(StringComparer.Ordinal);
        Walk(roots, byId, children, visited, ordered);
        foreach (var span in spans.Where(s => !visited.Contains(s.SpanId)).ToList())
        {
            if (!visited.Contains(span.SpanId))
            {
                roots.Add(span.SpanId);
                Walk([span.SpanId], byId, children, visited, ordered);
            }
        }

        return (roots, ordered);
    }

    private static void Walk(
        IEnumerable<string> starts,
        Dictionary<string, SpanNode> byId,
        Dictionary<string, List<string>> children,
        HashSet<string> visited,
        List<SpanNode> ordered)
    {
        var stack = new Stack<(string Id, int Depth)>(starts.Reverse().Select(id => (id, 0)));
        while (stack.TryPop(out var next))
        {
            if (!visited.Add(next.Id))
            {
                continue;
            }

            var span = byId[next.Id];
            var kids = children.TryGetValue(next.Id, out var list) ? list : [];
            ordered.Add(span with
            {
                Depth = next.Depth,
                Children = kids,
                ParentMissing = span.ParentSpanId.Length > 0 && !byId.ContainsKey(span.ParentSpanId),
            });
            for (var i = kids.Count - 1; i >= 0; i--)
            {
                stack.Push((kids[i], next.Depth + 1));
            }
        }
    }
}
