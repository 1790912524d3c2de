namespace Collector.Bench.Load;

/// <summary>Sends the load through one client (ours or Python's grpcio) and reports into <see cref="LoadCounters"/>.</summary>
internal interface ILoadDriver
{
    /// <summary>Completes with the Stopwatch timestamp at which sending began (after connecting and any set-up).</summary>
    Task<long> Started { get; }

    /// <summary>Runs the whole load: returns once every stream has sent its share and read its Acks (or failed).</summary>
    Task RunAsync();
}
