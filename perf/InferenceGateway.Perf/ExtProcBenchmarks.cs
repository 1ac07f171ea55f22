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
/// One ext_proc exchange (request headers + a chat body, one gRPC stream) through the real picker service with a
/// trivial router, against a no-op processor on the same Kestrel/gRPC stack, in the same run, with the same
/// client, messages and framing. BUFFERED: headers answered, then the whole body in one message answered.
/// FULL_DUPLEX_STREAMED: headers and the body (16 KiB chunks, as HTTP/2 frames arrive) sent without waiting; the
/// no-op answers the headers at once and echoes each chunk as streamed_response (what a full-duplex processor
/// must do for the body to pass); the picker holds the body, then sends the deferred headers answer and the body.
/// The difference is the picker's own cost (header parsing, the routing call, mutations, metadata, metrics,
/// buffering); the routing itself is measured by the Scheduler and RequestParsing benchmarks.
/// </summary>
[MemoryDiagnoser]
public class ExtProcBenchmarks
{
    private const int ChunkBytes = 16 * 1024;

    private EndpointPickerServer? _picker;
    private EndpointPickerServer? _noop;
    private GrpcChannel? _pickerChannel;
    private GrpcChannel? _noopChannel;
    private ExternalProcessor.ExternalProcessorClient? _pickerClient;
    private ExternalProcessor.ExternalProcessorClient? _noopClient;
    private ProcessingRequest _headers = new();
    private ProcessingRequest[] _body = [];

    [Params(ExchangeMode.Buffered, ExchangeMode.FullDuplex)]
    public ExchangeMode Mode { get; set; }

    [Params(1024, 32 * 1024)]
    public int BodyBytes { get; set; }

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
            endpoints => endpoints.MapGrpcService<NoOpExternalProcessor>());
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

        var mode = Mode == ExchangeMode.Buffered ? BodySendMode.Buffered : BodySendMode.FullDuplexStreamed;
        _headers = new ProcessingRequest
        {
            RequestHeaders = new HttpHeaders { Headers = headerMap },
            ProtocolConfig = new ProtocolConfiguration { RequestBodyMode = mode, ResponseBodyMode = Mode == ExchangeMode.Buffered ? BodySendMode.None : mode },
        };
        var body = ChatBody(BodyBytes);
        var chunk = Mode == ExchangeMode.Buffered ? body.Length : ChunkBytes;
        var messages = new List<ProcessingRequest>();
        for (var offset = 0; offset < body.Length; offset += chunk)
        {
            var length = Math.Min(chunk, body.Length - offset);
            messages.Add(new ProcessingRequest { RequestBody = new HttpBody { Body = ByteString.CopyFrom(body, offset, length), EndOfStream = offset + length == body.Length } });
        }

        _body = [.. messages];

        // Both processors must accept the exchange as the benchmark drives it (a broken one would be fast).
        await RoundTripAsync(_noopClient);
        await RoundTripAsync(_pickerClient);
    }

    /// <summary>A chat completion request of exactly <paramref name="size"/> bytes (the prompt pads it).</summary>
    private static byte[] ChatBody(int size)
    {
        const string Head = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"";
        const string Tail = "\"}],\"max_tokens\":64}";
        var text = Head + new string('a', size - Head.Length - Tail.Length) + Tail;
        return Encoding.UTF8.GetBytes(text);
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

    public enum ExchangeMode
    {
        Buffered,
        FullDuplex,
    }

    [Benchmark(Baseline = true)]
    public Task<int> NoOpProcessor() => RoundTripAsync(_noopClient);

    [Benchmark]
    public Task<int> EndpointPicker() => RoundTripAsync(_pickerClient);

    /// <summary>One exchange as Envoy drives it; returns the bytes of body the processor let through.</summary>
    private async Task<int> RoundTripAsync(ExternalProcessor.ExternalProcessorClient? client)
    {
        using var call = client!.Process();
        var forwarded = 0;
        if (Mode == ExchangeMode.Buffered)
        {
            await call.RequestStream.WriteAsync(_headers);
            await ReadAsync(call, ProcessingResponse.ResponseOneofCase.RequestHeaders);
            await call.RequestStream.WriteAsync(_body[0]);
            var answer = await ReadAsync(call, ProcessingResponse.ResponseOneofCase.RequestBody);
            var mutation = answer.RequestBody.Response?.BodyMutation;
            forwarded = mutation is null ? _body[0].RequestBody.Body.Length : mutation.Body.Length;
        }
        else
        {
            await call.RequestStream.WriteAsync(_headers);
            foreach (var message in _body)
            {
                await call.RequestStream.WriteAsync(message);
            }

            await ReadAsync(call, ProcessingResponse.ResponseOneofCase.RequestHeaders);
            while (true)
            {
                var streamed = (await ReadAsync(call, ProcessingResponse.ResponseOneofCase.RequestBody)).RequestBody.Response.BodyMutation.StreamedResponse;
                forwarded += streamed.Body.Length;
                if (streamed.EndOfStream)
                {
                    break;
                }
            }
        }

        await call.RequestStream.CompleteAsync();
        while (await call.ResponseStream.MoveNext(CancellationToken.None))
        {
        }

        return forwarded == BodyBytes ? forwarded : throw new InvalidOperationException($"{forwarded} of {BodyBytes} body bytes passed");
    }

    private static async Task<ProcessingResponse> ReadAsync(AsyncDuplexStreamingCall<ProcessingRequest, ProcessingResponse> call, ProcessingResponse.ResponseOneofCase expected)
    {
        if (!await call.ResponseStream.MoveNext(CancellationToken.None) || call.ResponseStream.Current.ResponseCase != expected)
        {
            throw new InvalidOperationException($"expected a {expected} answer");
        }

        return call.ResponseStream.Current;
    }

    /// <summary>
    /// Answers every message with CONTINUE of the matching kind; in FULL_DUPLEX_STREAMED (from protocol_config) it
    /// echoes each request body chunk as streamed_response, the least a full-duplex processor must do.
    /// </summary>
    public sealed class NoOpExternalProcessor : ExternalProcessor.ExternalProcessorBase
    {
        public override async Task Process(IAsyncStreamReader<ProcessingRequest> requestStream, IServerStreamWriter<ProcessingResponse> responseStream, ServerCallContext context)
        {
            var fullDuplex = false;
            while (await requestStream.MoveNext(context.CancellationToken))
            {
                var request = requestStream.Current;
                fullDuplex |= request.ProtocolConfig?.RequestBodyMode == BodySendMode.FullDuplexStreamed;
                var response = request.RequestCase switch
                {
                    ProcessingRequest.RequestOneofCase.RequestHeaders => new ProcessingResponse { RequestHeaders = new HeadersResponse { Response = new CommonResponse() } },
                    ProcessingRequest.RequestOneofCase.RequestBody when fullDuplex => new ProcessingResponse
                    {
                        RequestBody = new BodyResponse
                        {
                            Response = new CommonResponse
                            {
                                BodyMutation = new BodyMutation { StreamedResponse = new StreamedBodyResponse { Body = request.RequestBody.Body, EndOfStream = request.RequestBody.EndOfStream } },
                            },
                        },
                    },
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
