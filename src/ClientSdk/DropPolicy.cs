namespace Collector.ClientSdk;

/// <summary>What a full buffer gives up when another event is logged.</summary>
public enum DropPolicy
{
    /// <summary>The oldest event not yet sent makes room (the default: recent telemetry matters most).</summary>
    DropOldest,

    /// <summary>The new event is dropped.</summary>
    DropNewest,
}
