using Collector.Forwarder.Otlp.V1;

namespace Collector.Forwarder.Otlp;

// Finds or adds the resource entry and the scope entry under it for an event (ResourceMetrics/ScopeMetrics,
// ResourceSpans/ScopeSpans). Entries appear in the request in the order their first event does; an event only ever
// joins an entry whose resource and scope equal its own (OtlpEventSource's keys).

/// <summary>The resource and scope entries of one export request, by <see cref="OtlpEventSource"/> keys.</summary>
internal sealed class OtlpScopeIndex<TResource, TScope>(
    string nodeId,
    Func<Resource, TResource> addResource,
    Func<TResource, InstrumentationScope, TScope> addScope)
    where TResource : class
    where TScope : class
{
    private readonly Dictionary<string, TResource> _resources = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Resource, string Scope), TScope> _scopes = [];

    public TScope For(OtlpEventSource source)
    {
        if (_scopes.TryGetValue((source.ResourceKey, source.ScopeKey), out var scope))
        {
            return scope;
        }

        if (!_resources.TryGetValue(source.ResourceKey, out var resource))
        {
            resource = addResource(source.NewResource(nodeId));
            _resources.Add(source.ResourceKey, resource);
        }

        scope = addScope(resource, source.NewScope());
        _scopes.Add((source.ResourceKey, source.ScopeKey), scope);
        return scope;
    }
}
