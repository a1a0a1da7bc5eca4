using EhrChain.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace EhrChain.Node.Hosting;

/// <summary>Serving once the store is open with block 0; the docker healthcheck and `ehrchain health` ask this.</summary>
internal sealed class NodeHealthCheck(IChainStore store) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(store.Head is null ? HealthCheckResult.Unhealthy("no genesis block") : HealthCheckResult.Healthy());
}
