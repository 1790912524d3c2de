using Collector.Storage.Log;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Collector.Host.Grpc;

/// <summary>
/// The health gRPC's grpc.health.v1.Health reports: SERVING while the durable log takes entries, NOT_SERVING while
/// it cannot (the same condition that makes /healthcheck answer 503), with the log's reason.
/// </summary>
public sealed class DurableLogHealthCheck(DurableLog log) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(log.FaultReason is { } reason ? HealthCheckResult.Unhealthy(reason) : HealthCheckResult.Healthy("the durable log takes entries"));
}
