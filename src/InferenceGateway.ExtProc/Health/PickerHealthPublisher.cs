using Grpc.Health.V1;
using Grpc.HealthCheck;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace InferenceGateway.ExtProc.Health;

/// <summary>
/// Keeps grpc.health.v1 statuses current: <c>liveness</c> serves while the host runs; <c>readiness</c>,
/// <c>inference-extension</c>, the ext_proc service name and the overall "" status follow the readiness source;
/// <c>readiness</c> also needs every registered <see cref="IPickerReadinessGate"/> open (leader election: the leader only).
/// </summary>
internal sealed class PickerHealthPublisher(
    HealthServiceImpl health,
    IPickerReadiness readiness,
    IEnumerable<IPickerReadinessGate> readinessGates,
    IOptions<ExtProcOptions> options,
    TimeProvider timeProvider,
    ILogger<PickerHealthPublisher> logger) : BackgroundService
{
    public const string Liveness = "liveness";
    public const string Readiness = "readiness";
    public const string InferenceExtension = "inference-extension";
    public const string ExtProcService = "envoy.service.ext_proc.v3.ExternalProcessor";

    private readonly IPickerReadinessGate[] _gates = [.. readinessGates];
    private bool? _lastReady;
    private bool? _lastGated;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        health.SetStatus(Liveness, HealthCheckResponse.Types.ServingStatus.Serving);
        Refresh();
        return base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        // Shutting down: stop advertising so the proxy drains to other replicas.
        _lastReady = null;
        _lastGated = null;
        SetAll(HealthCheckResponse.Types.ServingStatus.NotServing);
        health.SetStatus(Readiness, HealthCheckResponse.Types.ServingStatus.NotServing);
        health.SetStatus(Liveness, HealthCheckResponse.Types.ServingStatus.NotServing);
    }

    internal void Refresh()
    {
        bool ready;
        var gated = true;
        try
        {
            ready = readiness.IsReady;
            foreach (var gate in _gates)
            {
                gated &= gate.IsOpen;
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            ExtProcLog.ReadinessFailed(logger, ex);
            ready = false;
        }

        gated &= ready;
        if (_lastGated != gated)
        {
            _lastGated = gated;
            health.SetStatus(Readiness, gated ? HealthCheckResponse.Types.ServingStatus.Serving : HealthCheckResponse.Types.ServingStatus.NotServing);
        }

        if (_lastReady == ready)
        {
            return;
        }

        _lastReady = ready;
        var status = ready ? HealthCheckResponse.Types.ServingStatus.Serving : HealthCheckResponse.Types.ServingStatus.NotServing;
        SetAll(status);
        ExtProcLog.ReadinessChanged(logger, ready);
    }

    private void SetAll(HealthCheckResponse.Types.ServingStatus status)
    {
        health.SetStatus(string.Empty, status);
        health.SetStatus(InferenceExtension, status);
        health.SetStatus(ExtProcService, status);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.HealthRefreshInterval, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                Refresh();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Host stopping.
        }
    }
}
