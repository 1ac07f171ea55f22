using InferenceGateway.Simulator.Tokens;

namespace InferenceGateway.Simulator.Server;

/// <summary>SplitMix64: a tiny deterministic generator (the same seed gives the same words on every platform).</summary>
internal struct SplitMix64(ulong state)
{
    private ulong _state = state;

    public ulong Next()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public int NextInt(int maxExclusive) => (int)(Next() % (ulong)maxExclusive);

    public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));
}

/// <summary>The text of each generated token: the echo text's tokens (cycled past its end), or seeded words.</summary>
internal sealed class TokenSource
{
    private static readonly string[] Words =
    [
        " the", " model", " server", " request", " token", " cache", " prefix", " batch", " queue", " latency",
        " gateway", " route", " pool", " endpoint", " load", " score", " picker", " fast", " small", " large",
        " and", " of", " to", " in", " is", " for", " with", " on", " that", " this", " it", " as", ".", ",",
        " data", " time", " step", " block", " memory", " adapter", " a", " an", " we", " you", " can", " will",
    ];

    private readonly string _echo;
    private readonly List<(int Start, int Length)>? _echoTokens;
    private SplitMix64 _random;

    public TokenSource(GenerationMode mode, string echoText, ulong seed)
    {
        _random = new SplitMix64(seed);
        _echo = echoText;
        if (mode == GenerationMode.Echo && echoText.Length > 0)
        {
            _echoTokens = [];
            ApproxTokenizer.Split(echoText, _echoTokens);
        }
    }

    /// <summary>Tokens the echo text has (0 in random mode).</summary>
    public int NaturalLength => _echoTokens?.Count ?? 0;

    /// <summary>Picks how many tokens to generate when the request does not fix it (random mode, no ignore_eos).</summary>
    public int RandomLength(int limit) => 1 + _random.NextInt(limit);

    /// <summary>The text of token <paramref name="index"/>; call with increasing indexes.</summary>
    public string Next(int index)
    {
        if (_echoTokens is not null)
        {
            var (start, length) = _echoTokens[index % _echoTokens.Count];
            return _echo.Substring(start, length);
        }

        return Words[_random.NextInt(Words.Length)];
    }
}
