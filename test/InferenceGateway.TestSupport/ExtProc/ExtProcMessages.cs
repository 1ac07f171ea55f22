using Envoy.Config.Core.V3;
using Envoy.Service.ExtProc.V3;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using BodySendMode = Envoy.Extensions.Filters.Http.ExtProc.V3.ProcessingMode.Types.BodySendMode;

namespace InferenceGateway.TestSupport.ExtProc;

/// <summary>Builds ProcessingRequests the way Envoy fills them (lower-case keys, values in raw_value).</summary>
public static class ExtProcMessages
{
    public static HeaderMap Headers(IEnumerable<KeyValuePair<string, string>> headers, bool useRawValue = true)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var map = new HeaderMap();
        foreach (var (key, value) in headers)
        {
            var header = new HeaderValue { Key = key.ToLowerInvariant() };
            if (useRawValue)
            {
                header.RawValue = ByteString.CopyFromUtf8(value);
            }
            else
            {
                header.Value = value;
            }

            map.Headers.Add(header);
        }

        return map;
    }

    public static Dictionary<string, string> RequestHeaders(string path, string method = "POST", params (string Key, string Value)[] extra)
    {
        ArgumentNullException.ThrowIfNull(extra);
        var headers = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [":method"] = method,
            [":path"] = path,
            [":authority"] = "gateway.local",
            [":scheme"] = "http",
            ["content-type"] = "application/json",
        };
        foreach (var (key, value) in extra)
        {
            headers[key] = value;
        }

        return headers;
    }

    public static ProtocolConfiguration Protocol(BodySendMode request, BodySendMode response, bool sendBodyWithoutWaiting = false) => new()
    {
        RequestBodyMode = request,
        ResponseBodyMode = response,
        SendBodyWithoutWaitingForHeaderResponse = sendBodyWithoutWaiting,
    };

    public static ProcessingRequest RequestHeadersMessage(IEnumerable<KeyValuePair<string, string>> headers, bool endOfStream, ProtocolConfiguration? protocol = null, Envoy.Config.Core.V3.Metadata? metadata = null, bool useRawValue = true)
    {
        var request = new ProcessingRequest
        {
            RequestHeaders = new HttpHeaders { Headers = Headers(headers, useRawValue), EndOfStream = endOfStream },
            ProtocolConfig = protocol,
        };
        if (metadata is not null)
        {
            request.MetadataContext = metadata;
        }

        return request;
    }

    public static ProcessingRequest RequestBodyMessage(ReadOnlySpan<byte> chunk, bool endOfStream) => new()
    {
        RequestBody = new HttpBody { Body = ByteString.CopyFrom(chunk), EndOfStream = endOfStream },
    };

    public static ProcessingRequest ResponseHeadersMessage(int status, string contentType, bool endOfStream, Envoy.Config.Core.V3.Metadata? metadata = null)
    {
        var headers = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [":status"] = status.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["content-type"] = contentType,
        };
        var request = new ProcessingRequest { ResponseHeaders = new HttpHeaders { Headers = Headers(headers), EndOfStream = endOfStream } };
        if (metadata is not null)
        {
            request.MetadataContext = metadata;
        }

        return request;
    }

    public static ProcessingRequest ResponseBodyMessage(ReadOnlySpan<byte> chunk, bool endOfStream) => new()
    {
        ResponseBody = new HttpBody { Body = ByteString.CopyFrom(chunk), EndOfStream = endOfStream },
    };

    /// <summary>metadata_context with the proxy's subset hint (envoy.lb.subset_hint).</summary>
    public static Envoy.Config.Core.V3.Metadata SubsetHint(params string[] endpoints)
    {
        var list = new ListValue();
        foreach (var endpoint in endpoints)
        {
            list.Values.Add(Value.ForString(endpoint));
        }

        var hint = new Struct();
        hint.Fields["x-gateway-destination-endpoint-subset"] = new Value { ListValue = list };
        var metadata = new Envoy.Config.Core.V3.Metadata();
        metadata.FilterMetadata["envoy.lb.subset_hint"] = hint;
        return metadata;
    }

    /// <summary>metadata_context with the endpoint the proxy actually used (envoy.lb served key).</summary>
    public static Envoy.Config.Core.V3.Metadata Served(string endpoint)
    {
        var lb = new Struct();
        lb.Fields["x-gateway-destination-endpoint-served"] = Value.ForString(endpoint);
        var metadata = new Envoy.Config.Core.V3.Metadata();
        metadata.FilterMetadata["envoy.lb"] = lb;
        return metadata;
    }

    /// <summary>Splits a body into chunks of at most <paramref name="size"/> bytes (at least one chunk).</summary>
    public static List<byte[]> Split(byte[] body, int size)
    {
        ArgumentNullException.ThrowIfNull(body);
        var chunks = new List<byte[]>();
        for (var offset = 0; offset < body.Length; offset += size)
        {
            chunks.Add(body.AsSpan(offset, Math.Min(size, body.Length - offset)).ToArray());
        }

        if (chunks.Count == 0)
        {
            chunks.Add([]);
        }

        return chunks;
    }
}
