using System.Globalization;
using System.Text.Json;

namespace InferenceGateway.Simulator.Server;

/// <summary>One pinned `vllm:lora_requests_info` series.</summary>
public sealed record FakeLoraInfo(string Running, string Waiting, double Timestamp);

/// <summary>
/// Reported load values pinned while requests are still served, in the reference simulator's JSON:
/// <c>{"running-requests":10,"waiting-requests":30,"kv-cache-usage":0.4,"loras":[{"running":"a,b","waiting":"c","timestamp":1257894567}]}</c>.
/// Every key is optional; a missing key reports the real value.
/// </summary>
public sealed record FakeMetrics(int? RunningRequests, int? WaitingRequests, double? KvCacheUsage, IReadOnlyList<FakeLoraInfo>? Loras)
{
    public static FakeMetrics Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return Parse(document.RootElement);
    }

    public static FakeMetrics Parse(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("fake metrics must be a JSON object");
        }

        int? running = null;
        int? waiting = null;
        double? kv = null;
        List<FakeLoraInfo>? loras = null;
        foreach (var property in root.EnumerateObject())
        {
            switch (property.Name)
            {
                case "running-requests":
                    running = ReadCount(property);
                    break;
                case "waiting-requests":
                    waiting = ReadCount(property);
                    break;
                case "kv-cache-usage":
                    kv = property.Value.GetDouble();
                    if (kv is < 0 or > 1)
                    {
                        throw new FormatException("kv-cache-usage must be within 0..1");
                    }

                    break;
                case "loras":
                    loras = [];
                    foreach (var item in property.Value.EnumerateArray())
                    {
                        loras.Add(new FakeLoraInfo(
                            ReadString(item, "running"),
                            ReadString(item, "waiting"),
                            item.TryGetProperty("timestamp", out var ts) ? ts.GetDouble() : 0));
                    }

                    break;
                default:
                    throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"unknown fake metrics key '{property.Name}'"));
            }
        }

        return new FakeMetrics(running, waiting, kv, loras);
    }

    private static int ReadCount(JsonProperty property)
    {
        var value = property.Value.GetInt32();
        if (value < 0)
        {
            throw new FormatException($"{property.Name} must not be negative");
        }

        return value;
    }

    private static string ReadString(JsonElement item, string name) =>
        item.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() ?? string.Empty : string.Empty;
}
