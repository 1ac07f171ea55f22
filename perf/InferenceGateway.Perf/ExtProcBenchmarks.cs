using System.Collections.Immutable;
using System.Net;
using System.Text;
using BenchmarkDotNet.Attributes;
using Envoy.Service.ExtProc.V3;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using InferenceGateway.Core.Datastore;
using InferenceGateway.Core.Routing;
using InferenceGateway.ExtProc.Health;
using InferenceGateway.ExtProc.Hosting;
using InferenceGateway.ExtProc.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using BodySendMode = Envoy.Extensions.Filters.Http.ExtProc.V3.ProcessingMode.Types.BodySendMode;

namespace InferenceGateway.Perf;

/// <summary>
/// One BUFFERED ext_proc round trip (headers + body, one stream) through the real picker service with a trivial
/// router, against a no-op processor that answers CONTINUE, on the same Kestrel/gRPC stack in the same run.
/// The difference is the picker's own cost (header parsing, routing call, mutations, metadata, metrics).
/// </summary>
[MemoryDiagnoser]
public class ExtProcBenchmarks
{
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("""{"model":"m","messages":[{"role":"user","content":"Write a haiku about routing."}],"max_tokens":64}""");

    private EndpointPickerServer? _picker;
    private EndpointPickerServer? _noop;
    private GrpcChannel? _pickerChannel;
    private GrpcChannel? _noopChannel;
    private ExternalProcessor.ExternalProcessorClient? _pickerClient;
    private ExternalProcessor.ExternalProcessorClient? _noopClient;
    private ProcessingRequest _headers = new();
    private ProcessingRequest _body = new();

    [GlobalSetup]
    public async Task Setup()
    {
        var listen = new EndpointPickerServerOptions { ListenAddress = IPAddress.Loopback, GrpcPort = 0, HealthPort = 0 };
        _picker = EndpointPickerServer.Create(listen, null, services =>
        {
            services.AddLogging(logging => logging.ClearProviders());
            services.AddSingleton<IInferenceRouter>(new TrivialRouter());
            services.AddSingleton<IPickerReadiness>(new DelegatePickerReadiness(() => true));
            services.AddSingleton(new PickerMetrics(Prometheus.Metrics.NewCustomRegistry()));
        });
        _noop = EndpointPickerServer.CreateCustom(
            new EndpointPickerServerOptions { ListenAddress = IPAddress.Loopback, GrpcPort = 0, HealthPort = 0 },
            services => services.AddLogging(logging => logging.ClearProviders()),
            services => services.AddGrpc(),
            endpoints => endpoints.MapGrpcService<NoOpProcessor>());
        await _picker.StartAsync();
        await _noop.StartAsync();
        _pickerChannel = GrpcChannel.ForAddress($"http://127.0.0.1:{_picker.GrpcPort}");
        _noopChannel = GrpcChannel.ForAddress($"http://127.0.0.1:{_noop.GrpcPort}");
        _pickerClient = new ExternalProcessor.ExternalProcessorClient(_pickerChannel);
        _noopClient = new ExternalProcessor.ExternalProcessorClient(_noopChannel);

        var headerMap = new Envoy.Config.Core.V3.HeaderMap();
        foreach (var (key, value) in new[] { (":method", "POST"), (":path", "/v1/chat/completions"), (":authority", "gw"), ("content-type", "application/json"), ("x-request-id", "r-1") })
        {
            headerMap.Headers.Add(new Envoy.Config.Core.V3.HeaderValue { Key = key, RawValue = ByteString.CopyFromUtf8(value) });
        }

        _headers = new ProcessingRequest
        {
            RequestHeaders = new HttpHeaders { Headers = headerMap },
            ProtocolConfig = new ProtocolConfiguration { RequestBodyMode = BodySendMode.Buffered, ResponseBodyMode = BodySendMode.None },
        };
        _body = new ProcessingRequest { RequestBody = new HttpBody { Body = ByteString.CopyFrom(Body), EndOfStream = true } };
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        _pickerChannel?.Dispose();
        _noopChannel?.Dispose();
        if (_picker is not null)
        {
            await _picker.StopAsync();
            await _picker.DisposeAsync();
        }

        if (_noop is not null)
        {
            await _noop.StopAsync();
            await _noop.DisposeAsync();
        }
    }

    [Benchmark(Baseline = true)]
    public Task<int> NoOpProcessorBuffered() => RoundTripAsync(_noopClient!);

    [Benchmark]
    public Task<int> EndpointPickerBuffered() => RoundTripAsync(_pickerClient!);

    private async Task<int> RoundTripAsync(ExternalProcessor.ExternalProcessorClient client)
    {
        using var call = client.Process();
        await call.RequestStream.WriteAsync(_headers);
        await call.ResponseStream.MoveNext(CancellationToken.None);
        await call.RequestStream.WriteAsync(_body);
        await call.ResponseStream.MoveNext(CancellationToken.None);
        var size = call.ResponseStream.Current.CalculateSize();
        await call.RequestStream.CompleteAsync();
        while (await call.ResponseStream.MoveNext(CancellationToken.None))
        {
        }

        return size;
    }

    /// <summary>Answers every message with CONTINUE of the matching kind.</summary>
    public sealed class NoOpProcessor : ExternalProcessor.ExternalProcessorBase
    {
        public override async Task Process(IAsyncStreamReader<ProcessingRequest> requestStream, IServerStreamWriter<ProcessingResponse> responseStream, ServerCallContext context)
        {
            while (await requestStream.MoveNext(context.CancellationToken))
            {
                var response = requestStream.Current.RequestCase switch
                {
                    ProcessingRequest.RequestOneofCase.RequestHeaders => new ProcessingResponse { RequestHeaders = new HeadersResponse { Response = new CommonResponse() } },
                    ProcessingRequest.RequestOneofCase.RequestBody => new ProcessingResponse { RequestBody = new BodyResponse { Response = new CommonResponse() } },
                    ProcessingRequest.RequestOneofCase.ResponseHeaders => new ProcessingResponse { ResponseHeaders = new HeadersResponse { Response = new CommonResponse() } },
                    ProcessingRequest.RequestOneofCase.ResponseBody => new ProcessingResponse { ResponseBody = new BodyResponse { Response = new CommonResponse() } },
                    ProcessingRequest.RequestOneofCase.RequestTrailers => new ProcessingResponse { RequestTrailers = new TrailersResponse() },
                    _ => new ProcessingResponse { ResponseTrailers = new TrailersResponse() },
                };
                await responseStream.WriteAsync(response);
            }
        }
    }

    private sealed class TrivialRouter : IInferenceRouter
    {
        private static readonly ImmutableArray<string> Endpoints = ["10.0.0.1:8000", "10.0.0.2:8000"];
        private static readonly Dictionary<string, string> NoHeaders = new(StringComparer.Ordinal);

        public RoutingOutcome Route(RoutingInput input)
        {
            var id = input.Headers.TryGetValue("x-request-id", out var given) ? given : "generated";
            return RoutingOutcome.Success(new RoutedRequest(id, "m", "m", CriticalityBand.Default, Endpoints, input.Body, false, false, id == "generated" ? NoHeaders : new Dictionary<string, string>(1, StringComparer.Ordinal) { ["x-request-id"] = id }, NoOpLease.Instance));
        }
    }

    private sealed class NoOpLease : IRequestLease
    {
        public static readonly NoOpLease Instance = new();

        public void SetServedEndpoint(string address)
        {
        }

        public void RecordFirstToken()
        {
        }

        public void RecordUsage(int promptTokens, int completionTokens, int cachedPromptTokens)
        {
        }

        public void RecordStatus(int statusCode)
        {
        }

        public void Dispose()
        {
        }
    }
}
