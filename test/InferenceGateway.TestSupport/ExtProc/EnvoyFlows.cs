using System.Text;
using Envoy.Service.ExtProc.V3;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using BodySendMode = Envoy.Extensions.Filters.Http.ExtProc.V3.ProcessingMode.Types.BodySendMode;

namespace InferenceGateway.TestSupport.ExtProc;

/// <summary>What Envoy would forward upstream after the processor's answers (or the local reply it would send).</summary>
public sealed class EnvoyRequestResult
{
    public ImmediateResponse? Immediate { get; set; }

    /// <summary>Request headers after every applied mutation.</summary>
    public Dictionary<string, string> Headers { get; } = new(StringComparer.Ordinal);

    /// <summary>The body Envoy forwards (chunks reassembled).</summary>
    public byte[] Body { get; set; } = [];

    public Struct? DynamicMetadata { get; set; }

    public bool ClearRouteCache { get; set; }

    /// <summary>Header removals the processor asked for, in order.</summary>
    public List<string> RemovedHeaders { get; } = [];

    /// <summary>Header mutations sent in body answers that Envoy ignores (STREAMED mode).</summary>
    public List<HeaderMutation> IgnoredHeaderMutations { get; } = [];

    /// <summary>Sizes of the streamed_response chunks (FULL_DUPLEX_STREAMED).</summary>
    public List<int> StreamedChunkSizes { get; } = [];

    public List<ProcessingResponse> Responses { get; } = [];

    public string ImmediateBody => Immediate is null ? string.Empty : Immediate.Body.ToStringUtf8();

    /// <summary>envoy.lb -> key from the dynamic metadata, or null.</summary>
    public string? LbMetadata(string key) =>
        DynamicMetadata is not null
        && DynamicMetadata.Fields.TryGetValue("envoy.lb", out var lb)
        && lb.StructValue is { } fields
        && fields.Fields.TryGetValue(key, out var value) ? value.StringValue : null;
}

/// <summary>
/// Reproduces Envoy's ext_proc message sequences for each processing mode and applies the answers as Envoy does
/// (removals before sets; exactly one of value/raw_value; body replacement needs a matching content-length in
/// BUFFERED; header mutations in body answers ignored outside BUFFERED).
/// </summary>
public static class EnvoyFlows
{
    public static async Task<EnvoyRequestResult> BufferedAsync(ExtProcSession session, Dictionary<string, string> headers, byte[] body, ProtocolConfiguration? protocol = null, Envoy.Config.Core.V3.Metadata? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(body);
        var result = Start(headers);
        result.Body = body;
        await session.SendAsync(ExtProcMessages.RequestHeadersMessage(headers, endOfStream: false, protocol, metadata)).ConfigureAwait(false);
        var first = await Next(session, result).ConfigureAwait(false);
        if (result.Immediate is not null)
        {
            return result;
        }

        Expect(first, ProcessingResponse.ResponseOneofCase.RequestHeaders);
        Apply(result, first.RequestHeaders.Response, first, headersPhase: true, bufferedBody: false);

        await session.SendAsync(ExtProcMessages.RequestBodyMessage(body, endOfStream: true)).ConfigureAwait(false);
        var second = await Next(session, result).ConfigureAwait(false);
        if (result.Immediate is not null)
        {
            return result;
        }

        Expect(second, ProcessingResponse.ResponseOneofCase.RequestBody);
        Apply(result, second.RequestBody.Response, second, headersPhase: false, bufferedBody: true);
        return result;
    }

    public static async Task<EnvoyRequestResult> StreamedAsync(ExtProcSession session, Dictionary<string, string> headers, IReadOnlyList<byte[]> chunks, ProtocolConfiguration? protocol = null)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(chunks);
        var result = Start(headers);
        await session.SendAsync(ExtProcMessages.RequestHeadersMessage(headers, endOfStream: false, protocol)).ConfigureAwait(false);
        var first = await Next(session, result).ConfigureAwait(false);
        if (result.Immediate is not null)
        {
            return result;
        }

        Expect(first, ProcessingResponse.ResponseOneofCase.RequestHeaders);
        Apply(result, first.RequestHeaders.Response, first, headersPhase: true, bufferedBody: false);
        using var forwarded = new MemoryStream();
        for (var i = 0; i < chunks.Count; i++)
        {
            await session.SendAsync(ExtProcMessages.RequestBodyMessage(chunks[i], endOfStream: i == chunks.Count - 1)).ConfigureAwait(false);
            var answer = await Next(session, result).ConfigureAwait(false);
            if (result.Immediate is not null)
            {
                return result;
            }

            Expect(answer, ProcessingResponse.ResponseOneofCase.RequestBody);
            var common = answer.RequestBody.Response;
            if (common?.HeaderMutation is { } ignored)
            {
                result.IgnoredHeaderMutations.Add(ignored);
            }

            if (answer.DynamicMetadata is not null)
            {
                result.DynamicMetadata = answer.DynamicMetadata;
            }

            result.ClearRouteCache |= common?.ClearRouteCache == true;
            var chunk = chunks[i];
            if (common?.BodyMutation is { } mutation)
            {
                chunk = mutation.MutationCase switch
                {
                    BodyMutation.MutationOneofCase.Body => mutation.Body.ToByteArray(),
                    BodyMutation.MutationOneofCase.ClearBodyRequested => mutation.ClearBodyRequested ? [] : chunk,
                    _ => throw new InvalidOperationException("Envoy rejects streamed_response outside FULL_DUPLEX_STREAMED."),
                };
            }

            forwarded.Write(chunk);
        }

        result.Body = forwarded.ToArray();
        return result;
    }

    /// <summary>
    /// FULL_DUPLEX_STREAMED: headers and every chunk go out without waiting; then the deferred headers answer,
    /// the streamed body (until end_of_stream) and, with trailers, the trailers answer are read in order.
    /// </summary>
    public static async Task<EnvoyRequestResult> FullDuplexAsync(ExtProcSession session, Dictionary<string, string> headers, IReadOnlyList<byte[]> chunks, bool withTrailers = false, ProtocolConfiguration? protocol = null, Envoy.Config.Core.V3.Metadata? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(chunks);
        var result = Start(headers);
        protocol ??= ExtProcMessages.Protocol(BodySendMode.FullDuplexStreamed, BodySendMode.FullDuplexStreamed);
        var sending = SendAllAsync(session, headers, chunks, withTrailers, protocol, metadata);
        var first = await Next(session, result).ConfigureAwait(false);
        if (result.Immediate is not null)
        {
            await IgnoreFailure(sending).ConfigureAwait(false);
            return result;
        }

        Expect(first, ProcessingResponse.ResponseOneofCase.RequestHeaders);
        Apply(result, first.RequestHeaders.Response, first, headersPhase: true, bufferedBody: false);
        using var forwarded = new MemoryStream();
        while (true)
        {
            var answer = await Next(session, result).ConfigureAwait(false);
            if (result.Immediate is not null)
            {
                return result;
            }

            if (answer.ResponseCase == ProcessingResponse.ResponseOneofCase.RequestTrailers)
            {
                if (!withTrailers)
                {
                    throw new InvalidOperationException("A trailers answer without request trailers.");
                }

                break;
            }

            Expect(answer, ProcessingResponse.ResponseOneofCase.RequestBody);
            var streamed = answer.RequestBody.Response?.BodyMutation?.StreamedResponse
                ?? throw new InvalidOperationException("FULL_DUPLEX_STREAMED body answers must use streamed_response.");
            if (streamed.Body.Length > 64 * 1024)
            {
                throw new InvalidOperationException($"A streamed_response chunk of {streamed.Body.Length} bytes exceeds 64 KiB.");
            }

            result.StreamedChunkSizes.Add(streamed.Body.Length);
            forwarded.Write(streamed.Body.Span);
            if (streamed.EndOfStream)
            {
                if (withTrailers)
                {
                    throw new InvalidOperationException("end_of_stream on the body although trailers follow.");
                }

                break;
            }
        }

        await sending.ConfigureAwait(false);
        result.Body = forwarded.ToArray();
        return result;
    }

    public static async Task<EnvoyRequestResult> HeaderOnlyAsync(ExtProcSession session, Dictionary<string, string> headers, ProtocolConfiguration? protocol = null)
    {
        ArgumentNullException.ThrowIfNull(session);
        var result = Start(headers);
        await session.SendAsync(ExtProcMessages.RequestHeadersMessage(headers, endOfStream: true, protocol)).ConfigureAwait(false);
        var answer = await Next(session, result).ConfigureAwait(false);
        if (result.Immediate is not null)
        {
            return result;
        }

        Expect(answer, ProcessingResponse.ResponseOneofCase.RequestHeaders);
        Apply(result, answer.RequestHeaders.Response, answer, headersPhase: true, bufferedBody: false);
        return result;
    }

    /// <summary>
    /// The response path: headers (with the served endpoint in metadata_context when given), then the body
    /// chunks; returns the body as the client would receive it (echoed chunks in full duplex).
    /// </summary>
    public static async Task<byte[]> ResponseAsync(ExtProcSession session, int status, string contentType, IReadOnlyList<byte[]> chunks, bool fullDuplex, string? servedEndpoint = null)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(chunks);
        var metadata = servedEndpoint is null ? null : ExtProcMessages.Served(servedEndpoint);
        await session.SendAsync(ExtProcMessages.ResponseHeadersMessage(status, contentType, endOfStream: chunks.Count == 0, metadata)).ConfigureAwait(false);
        var headersAnswer = await session.ReadRequiredAsync().ConfigureAwait(false);
        Expect(headersAnswer, ProcessingResponse.ResponseOneofCase.ResponseHeaders);
        using var delivered = new MemoryStream();
        for (var i = 0; i < chunks.Count; i++)
        {
            await session.SendAsync(ExtProcMessages.ResponseBodyMessage(chunks[i], endOfStream: i == chunks.Count - 1)).ConfigureAwait(false);
            var answer = await session.ReadRequiredAsync().ConfigureAwait(false);
            Expect(answer, ProcessingResponse.ResponseOneofCase.ResponseBody);
            if (fullDuplex)
            {
                var streamed = answer.ResponseBody.Response?.BodyMutation?.StreamedResponse
                    ?? throw new InvalidOperationException("FULL_DUPLEX_STREAMED response answers must use streamed_response.");
                if (streamed.EndOfStream != (i == chunks.Count - 1))
                {
                    throw new InvalidOperationException("The echoed end_of_stream does not match the proxy's.");
                }

                delivered.Write(streamed.Body.Span);
            }
            else
            {
                delivered.Write(chunks[i]);
            }
        }

        return delivered.ToArray();
    }

    private static EnvoyRequestResult Start(Dictionary<string, string> headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var result = new EnvoyRequestResult();
        foreach (var (key, value) in headers)
        {
            result.Headers[key] = value;
        }

        return result;
    }

    private static async Task SendAllAsync(ExtProcSession session, Dictionary<string, string> headers, IReadOnlyList<byte[]> chunks, bool withTrailers, ProtocolConfiguration protocol, Envoy.Config.Core.V3.Metadata? metadata)
    {
        await session.SendAsync(ExtProcMessages.RequestHeadersMessage(headers, endOfStream: false, protocol, metadata)).ConfigureAwait(false);
        for (var i = 0; i < chunks.Count; i++)
        {
            await session.SendAsync(ExtProcMessages.RequestBodyMessage(chunks[i], endOfStream: !withTrailers && i == chunks.Count - 1)).ConfigureAwait(false);
        }

        if (withTrailers)
        {
            await session.SendAsync(new ProcessingRequest { RequestTrailers = new HttpTrailers { Trailers = ExtProcMessages.Headers([new("x-trailer", "1")]) } }).ConfigureAwait(false);
        }
    }

    private static async Task IgnoreFailure(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (RpcException)
        {
            // The processor answered early (immediate response) and closed the stream.
        }
        catch (InvalidOperationException)
        {
            // Writing after the call completed.
        }
    }

    private static async Task<ProcessingResponse> Next(ExtProcSession session, EnvoyRequestResult result)
    {
        var answer = await session.ReadRequiredAsync().ConfigureAwait(false);
        result.Responses.Add(answer);
        if (answer.ResponseCase == ProcessingResponse.ResponseOneofCase.ImmediateResponse)
        {
            result.Immediate = answer.ImmediateResponse;
        }

        return answer;
    }

    private static void Expect(ProcessingResponse answer, ProcessingResponse.ResponseOneofCase expected)
    {
        if (answer.ResponseCase != expected)
        {
            throw new InvalidOperationException($"Expected a {expected} answer, got {answer.ResponseCase}.");
        }
    }

    private static void Apply(EnvoyRequestResult result, CommonResponse? common, ProcessingResponse answer, bool headersPhase, bool bufferedBody)
    {
        if (answer.DynamicMetadata is not null)
        {
            result.DynamicMetadata = answer.DynamicMetadata;
        }

        if (common is null)
        {
            return;
        }

        result.ClearRouteCache |= common.ClearRouteCache;
        if (common.HeaderMutation is { } mutation && (headersPhase || bufferedBody))
        {
            foreach (var name in mutation.RemoveHeaders)
            {
                result.RemovedHeaders.Add(name);
                result.Headers.Remove(name);
            }

            foreach (var option in mutation.SetHeaders)
            {
                var header = option.Header;
                var hasValue = header.Value.Length > 0;
                var hasRaw = !header.RawValue.IsEmpty;
                if (hasValue && hasRaw)
                {
                    throw new InvalidOperationException($"Header '{header.Key}' sets both value and raw_value; Envoy answers 500.");
                }

                if (header.Key != header.Key.ToLowerInvariant())
                {
                    throw new InvalidOperationException($"Header key '{header.Key}' is not lower-case.");
                }

                result.Headers[header.Key] = hasRaw ? Encoding.UTF8.GetString(header.RawValue.Span) : header.Value;
            }
        }

        if (common.BodyMutation is { } body)
        {
            if (!bufferedBody)
            {
                throw new InvalidOperationException("A body mutation in a headers answer.");
            }

            if (body.MutationCase == BodyMutation.MutationOneofCase.Body)
            {
                result.Body = body.Body.ToByteArray();
                if (!result.Headers.TryGetValue("content-length", out var length) || length != result.Body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture))
                {
                    throw new InvalidOperationException("Envoy rejects a BUFFERED body mutation without a matching content-length.");
                }
            }
        }
    }
}
