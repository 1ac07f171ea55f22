using System.Collections.Immutable;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Envoy.Service.ExtProc.V3;
using Google.Protobuf;
using Grpc.Core;
using InferenceGateway.Core.Datastore;
using InferenceGateway.Core.Routing;
using InferenceGateway.Core.Usage;
using InferenceGateway.ExtProc;
using InferenceGateway.ExtProc.Metrics;
using InferenceGateway.ExtProc.Processing;
using Microsoft.Extensions.Logging.Abstractions;
using BodySendMode = Envoy.Extensions.Filters.Http.ExtProc.V3.ProcessingMode.Types.BodySendMode;

namespace InferenceGateway.Perf;

/// <summary>
/// The picker's side of one response: a real <see cref="ExtProcExchange"/> fed the messages Envoy sends for a
/// header-only request (routed by a trivial router) and a FULL_DUPLEX_STREAMED 200 response, with the bodies of
/// <see cref="ResponseAccountingBenchmarks"/> (a 64-event chat stream whose usage event spans two messages; a 2 KB
/// JSON answer in two messages cut inside its usage object), straight into the exchange (no gRPC, a writer that
/// drops the answers), so the allocation column is the exchange's own per request: its answers, the routing
/// metadata, and (before the scanner was held inline) the usage parser.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[CategoriesColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
public class ExtProcUsageBenchmarks
{
    private readonly ExtProcOptions _options = new();
    private readonly PickerMetrics _metrics = new(Prometheus.Metrics.NewCustomRegistry());
    private readonly UsageLease _lease = new();
    private FixedRouter? _router;
    private ProcessingRequest _headers = new();
    private ProcessingRequest[] _sse = [];
    private ProcessingRequest[] _json = [];

    [GlobalSetup]
    public void Setup()
    {
        _router = new FixedRouter(_lease);
        var headerMap = new Envoy.Config.Core.V3.HeaderMap();
        foreach (var (key, value) in new[] { (":method", "POST"), (":path", "/v1/chat/completions"), (":authority", "gw"), ("content-type", "application/json"), ("x-request-id", "r-1") })
        {
            headerMap.Headers.Add(new Envoy.Config.Core.V3.HeaderValue { Key = key, RawValue = ByteString.CopyFromUtf8(value) });
        }

        _headers = new ProcessingRequest
        {
            RequestHeaders = new HttpHeaders { Headers = headerMap, EndOfStream = true },
            ProtocolConfig = new ProtocolConfiguration { RequestBodyMode = BodySendMode.FullDuplexStreamed, ResponseBodyMode = BodySendMode.FullDuplexStreamed },
        };

        var (json, cut) = ResponseAccountingBenchmarks.JsonBody();
        _sse = Response("text/event-stream", ResponseAccountingBenchmarks.SseWrites());
        _json = Response("application/json", [json[..cut], json[cut..]]);

        // A response whose usage is not recorded would measure a broken exchange.
        if (Exchange_Sse() != ResponseAccountingBenchmarks.Expected || Exchange_Json() != ResponseAccountingBenchmarks.Expected)
        {
            throw new InvalidOperationException("The exchange did not record the usage of the benchmark bodies.");
        }
    }

    [Benchmark]
    [BenchmarkCategory("Sse")]
    public TokenUsage? Exchange_Sse() => Run(_sse);

    [Benchmark]
    [BenchmarkCategory("Json")]
    public TokenUsage? Exchange_Json() => Run(_json);

    private static ProcessingRequest[] Response(string contentType, byte[][] writes)
    {
        var headerMap = new Envoy.Config.Core.V3.HeaderMap();
        headerMap.Headers.Add(new Envoy.Config.Core.V3.HeaderValue { Key = ":status", RawValue = ByteString.CopyFromUtf8("200") });
        headerMap.Headers.Add(new Envoy.Config.Core.V3.HeaderValue { Key = "content-type", RawValue = ByteString.CopyFromUtf8(contentType) });
        var messages = new ProcessingRequest[writes.Length + 1];
        messages[0] = new ProcessingRequest { ResponseHeaders = new HttpHeaders { Headers = headerMap } };
        for (var i = 0; i < writes.Length; i++)
        {
            messages[i + 1] = new ProcessingRequest { ResponseBody = new HttpBody { Body = ByteString.CopyFrom(writes[i]), EndOfStream = i == writes.Length - 1 } };
        }

        return messages;
    }

    private TokenUsage? Run(ProcessingRequest[] response)
    {
        _lease.Usage = null;
        using var exchange = new ExtProcExchange(_router!, _options, _metrics, TimeProvider.System, NullLogger.Instance, DroppingWriter.Instance);
        Handle(exchange, _headers);
        foreach (var message in response)
        {
            Handle(exchange, message);
        }

        return _lease.Usage;
    }

    private static void Handle(ExtProcExchange exchange, ProcessingRequest message)
    {
        // The writer completes at once, so every message is handled synchronously (no state machine on the heap).
        var handled = exchange.HandleAsync(message, CancellationToken.None);
        if (!handled.IsCompletedSuccessfully || !handled.Result)
        {
            throw new InvalidOperationException("The exchange did not accept a message.");
        }
    }

    private sealed class DroppingWriter : IAsyncStreamWriter<ProcessingResponse>
    {
        public static readonly DroppingWriter Instance = new();

        public WriteOptions? WriteOptions { get; set; }

        public Task WriteAsync(ProcessingResponse message) => Task.CompletedTask;

        public Task WriteAsync(ProcessingResponse message, CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class FixedRouter(IRequestLease lease) : IInferenceRouter
    {
        private readonly RoutedRequest _routed = new(
            "r-1", "m", "m", CriticalityBand.Default, ["10.0.0.1:8000"], ReadOnlyMemory<byte>.Empty, false, true,
            ImmutableDictionary<string, string>.Empty, lease);

        public RoutingOutcome Route(RoutingInput input) => RoutingOutcome.Success(_routed);
    }

    private sealed class UsageLease : IRequestLease
    {
        public TokenUsage? Usage { get; set; }

        public void SetServedEndpoint(string address)
        {
        }

        public void RecordFirstToken()
        {
        }

        public void RecordUsage(int promptTokens, int completionTokens, int cachedPromptTokens) =>
            Usage = new TokenUsage(promptTokens, completionTokens, cachedPromptTokens);

        public void RecordStatus(int statusCode)
        {
        }

        public void Dispose()
        {
        }
    }
}
