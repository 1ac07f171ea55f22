using System.Net.Security;
using Envoy.Service.ExtProc.V3;
using Grpc.Core;
using Grpc.Net.Client;

namespace InferenceGateway.TestSupport.ExtProc;

/// <summary>A gRPC client for the picker's ext_proc port, as Envoy's ext_proc filter would connect.</summary>
public sealed class EnvoyExtProcClient : IDisposable
{
    private readonly GrpcChannel _channel;

    public EnvoyExtProcClient(int port, bool tls = false)
    {
        var handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        };
        if (tls)
        {
            // Envoy's examples use an empty validation context for the picker's self-signed certificate.
            handler.SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = static (_, _, _, _) => true };
        }

        var scheme = tls ? "https" : "http";
        _channel = GrpcChannel.ForAddress($"{scheme}://127.0.0.1:{port}", new GrpcChannelOptions
        {
            HttpHandler = handler,
            MaxReceiveMessageSize = 128 * 1024 * 1024,
            MaxSendMessageSize = 128 * 1024 * 1024,
        });
        Processor = new ExternalProcessor.ExternalProcessorClient(_channel);
        Health = new Grpc.Health.V1.Health.HealthClient(_channel);
    }

    public ExternalProcessor.ExternalProcessorClient Processor { get; }

    public Grpc.Health.V1.Health.HealthClient Health { get; }

    public GrpcChannel Channel => _channel;

    /// <summary>Opens one ext_proc stream (Envoy opens one per HTTP request).</summary>
    public ExtProcSession Open(CancellationToken cancellationToken = default) => new(Processor.Process(cancellationToken: cancellationToken));

    public void Dispose() => _channel.Dispose();
}

/// <summary>One ext_proc stream: send requests, read answers with a deadline.</summary>
public sealed class ExtProcSession : IDisposable
{
    private static readonly TimeSpan ReadDeadline = TimeSpan.FromSeconds(60);
    private readonly AsyncDuplexStreamingCall<ProcessingRequest, ProcessingResponse> _call;

    internal ExtProcSession(AsyncDuplexStreamingCall<ProcessingRequest, ProcessingResponse> call) => _call = call;

    public AsyncDuplexStreamingCall<ProcessingRequest, ProcessingResponse> Call => _call;

    public Task SendAsync(ProcessingRequest request) => _call.RequestStream.WriteAsync(request);

    /// <summary>Next answer, or null when the processor ended the stream.</summary>
    public async Task<ProcessingResponse?> ReadAsync()
    {
        using var deadline = new CancellationTokenSource(ReadDeadline);
        try
        {
            return await _call.ResponseStream.MoveNext(deadline.Token).ConfigureAwait(false) ? _call.ResponseStream.Current : null;
        }
        catch (RpcException ex) when (deadline.IsCancellationRequested && ex.StatusCode == StatusCode.Cancelled)
        {
            throw new TimeoutException($"No ext_proc answer within {ReadDeadline.TotalSeconds} s.", ex);
        }
    }

    public async Task<ProcessingResponse> ReadRequiredAsync()
    {
        return await ReadAsync().ConfigureAwait(false) ?? throw new InvalidOperationException("The processor closed the stream where an answer was expected.");
    }

    public Task CompleteAsync() => _call.RequestStream.CompleteAsync();

    public void Dispose() => _call.Dispose();
}
