using Envoy.Service.ExtProc.V3;
using Grpc.Core;
using InferenceGateway.Core.Routing;
using InferenceGateway.ExtProc.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace InferenceGateway.ExtProc.Processing;

/// <summary>The ext_proc service: one <see cref="ExtProcExchange"/> per stream (per HTTP request).</summary>
internal sealed class EndpointPickerService(
    IInferenceRouter router,
    IOptions<ExtProcOptions> options,
    PickerMetrics metrics,
    TimeProvider timeProvider,
    ILogger<EndpointPickerService> logger) : ExternalProcessor.ExternalProcessorBase
{
    public override async Task Process(IAsyncStreamReader<ProcessingRequest> requestStream, IServerStreamWriter<ProcessingResponse> responseStream, ServerCallContext context)
    {
        var cancellationToken = context.CancellationToken;
        using var exchange = new ExtProcExchange(router, options.Value, metrics, timeProvider, logger, responseStream);
        try
        {
            while (await requestStream.MoveNext(cancellationToken).ConfigureAwait(false))
            {
                if (!await exchange.HandleAsync(requestStream.Current, cancellationToken).ConfigureAwait(false))
                {
                    return;
                }
            }
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            // The proxy cancelled the stream (client went away); the exchange releases the request below.
            ExtProcLog.StreamCancelled(logger);
        }
        catch (IOException ex)
        {
            ExtProcLog.StreamBroken(logger, ex);
        }
    }
}
