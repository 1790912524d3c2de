using Collector.Forwarder.Otlp;
using Collector.Forwarder.Otlp.V1;

namespace Collector.Host.Otlp;

/// <summary>
/// What every OTLP signal's resource and scope become on an event, the same for logs, metrics and spans:
/// service.name → service ("unknown_service" → empty, as the forwarder writes it); collector.node.id → dropped (the
/// forwarder already put it in provenance.path); any other resource key → attribute "resource.&lt;key&gt;"; the scope's
/// name and version → otel.scope.name / otel.scope.version (left out for the forwarder's own scope), its attributes →
/// "scope.&lt;key&gt;". Values that are not strings become <see cref="OtlpValueText"/>.
/// </summary>
public sealed record OtlpResource(string Service, List<KeyValuePair<string, string>> Attributes)
{
    public const string ResourcePrefix = "resource.";
    public const string ScopePrefix = "scope.";
    public const string ScopeNameKey = "otel.scope.name";
    public const string ScopeVersionKey = "otel.scope.version";

    public static OtlpResource Of(Resource? resource)
    {
        var service = string.Empty;
        var attributes = new List<KeyValuePair<string, string>>();
        foreach (var attribute in resource?.Attributes ?? [])
        {
            switch (attribute.Key)
            {
                case OtlpLogMapper.ServiceNameKey:
                    var name = OtlpValueText.Of(attribute.Value);
                    service = string.Equals(name, OtlpLogMapper.UnknownService, StringComparison.Ordinal) ? string.Empty : name;
                    break;
                case OtlpLogMapper.NodeIdKey:
                    break;
                default:
                    attributes.Add(new(ResourcePrefix + attribute.Key, OtlpValueText.Of(attribute.Value)));
                    break;
            }
        }

        return new OtlpResource(service, attributes);
    }

    /// <summary>The attributes a scope gives each of its records, points or spans.</summary>
    public static List<KeyValuePair<string, string>> ScopeAttributes(InstrumentationScope? scope)
    {
        var attributes = new List<KeyValuePair<string, string>>();
        if (scope is null || string.Equals(scope.Name, OtlpLogMapper.ScopeName, StringComparison.Ordinal))
        {
            return attributes;
        }

        if (scope.Name.Length > 0)
        {
            attributes.Add(new(ScopeNameKey, scope.Name));
        }

        if (scope.Version.Length > 0)
        {
            attributes.Add(new(ScopeVersionKey, scope.Version));
        }

        foreach (var attribute in scope.Attributes)
        {
            attributes.Add(new(ScopePrefix + attribute.Key, OtlpValueText.Of(attribute.Value)));
        }

        return attributes;
    }
}
