using System.Text;

namespace InferenceGateway.Core.Scheduling.Scorers;

/// <summary>
/// Keeps a session on its endpoint: the x-session-token header carries base64 of the endpoint name (or of
/// "namespace/name"); that endpoint scores 1, every other 0.
/// </summary>
internal sealed class SessionAffinityScorer(string name) : IScorer
{
    public const string Type = "session-affinity-scorer";

    private const int MaxTokenLength = 1024;

    public string TypeName => Type;

    public string Name { get; } = name;

    /// <summary>The token that routes a session to <paramref name="endpointName"/>.</summary>
    public static string TokenFor(string endpointName) => Convert.ToBase64String(Encoding.UTF8.GetBytes(endpointName));

    public void Score(SchedulingCycle cycle, ReadOnlySpan<int> subset, Span<double> scores)
    {
        scores.Clear();
        var token = cycle.Request.SessionToken;
        if (string.IsNullOrEmpty(token) || token.Length > MaxTokenLength)
        {
            return;
        }

        Span<byte> bytes = stackalloc byte[MaxTokenLength];
        if (!Convert.TryFromBase64String(token, bytes, out var byteCount))
        {
            return;
        }

        Span<char> chars = stackalloc char[MaxTokenLength];
        if (!Encoding.UTF8.TryGetChars(bytes[..byteCount], chars, out var charCount))
        {
            return;
        }

        ReadOnlySpan<char> wanted = chars[..charCount];
        for (var k = 0; k < subset.Length; k++)
        {
            var endpoint = cycle.Candidate(subset[k]).Endpoint;
            if (wanted.SequenceEqual(endpoint.Name) || IsNamespacedName(wanted, endpoint.Namespace, endpoint.Name))
            {
                scores[k] = 1;
            }
        }
    }

    private static bool IsNamespacedName(ReadOnlySpan<char> value, string ns, string name) =>
        value.Length == ns.Length + 1 + name.Length
        && value.StartsWith(ns, StringComparison.Ordinal)
        && value[ns.Length] == '/'
        && value[(ns.Length + 1)..].SequenceEqual(name);
}
