using System.Text;
using Collector.Forwarder.Otlp.V1;
using Collector.Protocol.Telemetry.V1;

namespace Collector.Forwarder.Otlp;

// Where a metric point or a span came from, read back out of its event: the inverse of what a collector's OTLP
// receiver writes into the event, so that grouping by resource and scope comes back as it was sent.
//
//   event.service                 resource service.name ("unknown_service" when empty)
//   (the forwarding node)         resource collector.node.id
//   attribute resource.<key>      resource attribute <key>, string; but resource.service.name and
//                                 resource.collector.node.id stay point / span attributes under their full key
//                                 (the forwarder writes those two resource attributes itself)
//   attribute otel.scope.name     scope name, unless it is the forwarder's own scope name (a receiver leaves that
//                                 one out, so lifting it would not come back)
//   attribute otel.scope.version  scope version
//   attribute scope.<key>         scope attribute <key>, string
//   nothing of the scope          scope "collector.forwarder", as for logs
//   every other attribute         Own, in the event's order: the point's or span's attributes
//
// Invariant: two events with equal ResourceKey have equal resources, two with equal (ResourceKey, ScopeKey) equal
// scopes. The keys are canonical (attributes sorted by key, every string length-prefixed), so no two different
// resources share one.

/// <summary>An event's resource, scope and own attributes; see the table above.</summary>
internal sealed class OtlpEventSource
{
    public const string ResourcePrefix = "resource.";
    public const string ScopePrefix = "scope.";
    public const string ScopeNameKey = "otel.scope.name";
    public const string ScopeVersionKey = "otel.scope.version";

    private readonly List<KeyValuePair<string, string>> _resource = [];
    private readonly List<KeyValuePair<string, string>> _scope = [];
    private string _scopeName = string.Empty;
    private string _scopeVersion = string.Empty;

    private OtlpEventSource(string service) => Service = service;

    public string Service { get; }

    /// <summary>The point's or span's own attributes, in the event's order.</summary>
    public List<KeyValuePair<string, string>> Own { get; } = [];

    public string ResourceKey { get; private set; } = string.Empty;

    public string ScopeKey { get; private set; } = string.Empty;

    public static OtlpEventSource Of(Event evt)
    {
        ArgumentNullException.ThrowIfNull(evt);
        var source = new OtlpEventSource(evt.Service.Length == 0 ? OtlpLogMapper.UnknownService : evt.Service);
        foreach (var attribute in evt.Attributes)
        {
            source.Sort(attribute);
        }

        source._resource.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        source._scope.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        source.ResourceKey = Key(source.Service, string.Empty, source._resource);
        source.ScopeKey = Key(source._scopeName, source._scopeVersion, source._scope);
        return source;
    }

    public Resource NewResource(string nodeId)
    {
        var resource = new Resource();
        resource.Attributes.Add(OtlpAttributes.Text(OtlpLogMapper.ServiceNameKey, Service));
        resource.Attributes.Add(OtlpAttributes.Text(OtlpLogMapper.NodeIdKey, nodeId));
        foreach (var (key, value) in _resource)
        {
            resource.Attributes.Add(OtlpAttributes.Text(key, value));
        }

        return resource;
    }

    public InstrumentationScope NewScope()
    {
        var known = _scopeName.Length > 0 || _scopeVersion.Length > 0 || _scope.Count > 0;
        var scope = new InstrumentationScope { Name = known ? _scopeName : OtlpLogMapper.ScopeName, Version = _scopeVersion };
        foreach (var (key, value) in _scope)
        {
            scope.Attributes.Add(OtlpAttributes.Text(key, value));
        }

        return scope;
    }

    private void Sort(KeyValuePair<string, string> attribute)
    {
        var (key, value) = attribute;
        if (key.StartsWith(ResourcePrefix, StringComparison.Ordinal)
            && key.Length > ResourcePrefix.Length
            && key[ResourcePrefix.Length..] is var resourceKey
            && resourceKey is not (OtlpLogMapper.ServiceNameKey or OtlpLogMapper.NodeIdKey))
        {
            _resource.Add(new(resourceKey, value));
        }
        else if (key.StartsWith(ScopePrefix, StringComparison.Ordinal) && key.Length > ScopePrefix.Length)
        {
            _scope.Add(new(key[ScopePrefix.Length..], value));
        }
        else if (string.Equals(key, ScopeNameKey, StringComparison.Ordinal) && !string.Equals(value, OtlpLogMapper.ScopeName, StringComparison.Ordinal))
        {
            _scopeName = value;
        }
        else if (string.Equals(key, ScopeVersionKey, StringComparison.Ordinal))
        {
            _scopeVersion = value;
        }
        else
        {
            Own.Add(attribute);
        }
    }

    private static string Key(string first, string second, List<KeyValuePair<string, string>> attributes)
    {
        var key = new StringBuilder();
        Append(key, first);
        Append(key, second);
        foreach (var (name, value) in attributes)
        {
            Append(key, name);
            Append(key, value);
        }

        return key.ToString();
    }

    private static void Append(StringBuilder key, string part) =>
        key.Append(part.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append(':').Append(part);
}
