using System.Globalization;
using System.Text;

namespace InferenceGateway.Bench.Workloads;

/// <summary>An endless, seeded sequence of prompts: request i of a run sends the i-th item.</summary>
internal interface IPromptSource
{
    PromptItem Next();
}

internal static class PromptSources
{
    public static IPromptSource Create(WorkloadSpec spec, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.Type switch
        {
            WorkloadTypes.SharedPrefix => new SharedPrefixSource(spec, seed),
            WorkloadTypes.ShareGpt => new LogNormalSource(spec, seed, withAdapters: false),
            WorkloadTypes.LoraMix => new LogNormalSource(spec, seed, withAdapters: true),
            WorkloadTypes.MultiTurn => new MultiTurnSource(spec, seed),
            _ => throw new ArgumentException($"unknown workload type '{spec.Type}'"),
        };
    }

    internal static int LogNormal(Random random, double median, double sigma, int min, int max)
    {
        // Box-Muller on two uniform draws; (0,1] keeps the log finite.
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        var z = Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
        var value = (int)Math.Round(median * Math.Exp(sigma * z));
        return Math.Clamp(value, min, Math.Max(min, max));
    }
}

/// <summary>
/// inference-perf's shared_prefix: <c>num_groups</c> system prompts, each followed by <c>num_prompts_per_group</c>
/// unique questions; all prompts shuffled once with the seeded RNG, then sent in that order, cyclically.
/// </summary>
internal sealed class SharedPrefixSource : IPromptSource
{
    private int _next;

    public SharedPrefixSource(WorkloadSpec spec, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var prompts = new List<PromptItem>(spec.NumGroups * spec.NumPromptsPerGroup);
        var groups = new List<int>(prompts.Capacity);
        var builder = new StringBuilder();
        for (var g = 0; g < spec.NumGroups; g++)
        {
            var system = PseudoText.Words(PseudoText.Derive(seed, 1, g), spec.SystemPromptLen);
            for (var q = 0; q < spec.NumPromptsPerGroup; q++)
            {
                builder.Clear().Append(system);
                PseudoText.Append(builder, PseudoText.Derive(seed, 2, g, q), spec.QuestionLen);
                prompts.Add(PromptItem.Completion(builder.ToString(), spec.OutputLen));
                groups.Add(g);
            }
        }

        var random = new Random(unchecked((int)PseudoText.Derive(seed, 3)));
        for (var i = prompts.Count - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (prompts[i], prompts[j]) = (prompts[j], prompts[i]);
            (groups[i], groups[j]) = (groups[j], groups[i]);
        }

        Prompts = prompts;
        Groups = groups;
    }

    /// <summary>The shuffled prompts, in sending order.</summary>
    public IReadOnlyList<PromptItem> Prompts { get; }

    /// <summary>The group of each prompt in <see cref="Prompts"/>.</summary>
    public IReadOnlyList<int> Groups { get; }

    public PromptItem Next()
    {
        var item = Prompts[_next];
        _next = (_next + 1) % Prompts.Count;
        return item;
    }
}

/// <summary>
/// ShareGPT-like traffic (log-normal prompt and output lengths, unique prompts) and, with adapters, the LoRA mix:
/// each request targets adapter k with Zipf probability proportional to 1/(k+1)^s.
/// </summary>
internal sealed class LogNormalSource : IPromptSource
{
    private readonly WorkloadSpec _spec;
    private readonly ulong _seed;
    private readonly Random _random;
    private readonly double[]? _adapterCdf;
    private long _count;

    public LogNormalSource(WorkloadSpec spec, ulong seed, bool withAdapters)
    {
        ArgumentNullException.ThrowIfNull(spec);
        _spec = spec;
        _seed = seed;
        _random = new Random(unchecked((int)PseudoText.Derive(seed, 4)));
        if (withAdapters)
        {
            _adapterCdf = new double[spec.NumAdapters];
            var sum = 0.0;
            for (var k = 0; k < spec.NumAdapters; k++)
            {
                sum += 1.0 / Math.Pow(k + 1, spec.ZipfExponent);
                _adapterCdf[k] = sum;
            }

            for (var k = 0; k < spec.NumAdapters; k++)
            {
                _adapterCdf[k] /= sum;
            }
        }
    }

    public static string AdapterName(int k) => "adapter-" + k.ToString(CultureInfo.InvariantCulture);

    public PromptItem Next()
    {
        var promptLen = PromptSources.LogNormal(_random, _spec.PromptLenMedian, _spec.PromptLenSigma, _spec.MinLen, _spec.MaxPromptLen);
        var outputLen = PromptSources.LogNormal(_random, _spec.OutputLenMedian, _spec.OutputLenSigma, 1, _spec.MaxOutputLen);
        string? adapter = null;
        if (_adapterCdf is not null)
        {
            var u = _random.NextDouble();
            var k = 0;
            while (k < _adapterCdf.Length - 1 && u >= _adapterCdf[k])
            {
                k++;
            }

            adapter = AdapterName(k);
        }

        var text = PseudoText.Words(PseudoText.Derive(_seed, 5, _count++), promptLen);
        return PromptItem.Completion(text, outputLen, adapter);
    }
}

/// <summary>
/// Multi-turn chat: <c>concurrent_sessions</c> open conversations; each request continues a randomly chosen one,
/// re-sending its whole history (system prompt, earlier questions and answers) plus a new question, so the prompt
/// grows every turn. After <c>turns_per_session</c> turns a conversation is replaced by a new one. Answers in the
/// history are pseudo-text of <c>output_len</c> tokens (the load is open-loop, it does not wait for replies).
/// </summary>
internal sealed class MultiTurnSource : IPromptSource
{
    private readonly WorkloadSpec _spec;
    private readonly ulong _seed;
    private readonly Random _random;
    private readonly Session[] _sessions;
    private long _nextSession;

    public MultiTurnSource(WorkloadSpec spec, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(spec);
        _spec = spec;
        _seed = seed;
        _random = new Random(unchecked((int)PseudoText.Derive(seed, 6)));
        _sessions = new Session[spec.ConcurrentSessions];
        for (var i = 0; i < _sessions.Length; i++)
        {
            _sessions[i] = NewSession();
        }
    }

    public PromptItem Next()
    {
        var slot = _random.Next(_sessions.Length);
        var session = _sessions[slot];
        session.History.Add(new ChatMessage("user", Words(7, session.Id, session.Turn, _spec.QuestionLen)));
        var item = PromptItem.Chat([.. session.History], _spec.OutputLen, "session-" + session.Id.ToString(CultureInfo.InvariantCulture));
        session.History.Add(new ChatMessage("assistant", Words(8, session.Id, session.Turn, _spec.OutputLen)));
        session.Turn++;
        if (session.Turn >= _spec.TurnsPerSession)
        {
            _sessions[slot] = NewSession();
        }

        return item;
    }

    private Session NewSession()
    {
        var session = new Session(_nextSession++);
        if (_spec.SystemPromptLen > 0)
        {
            session.History.Add(new ChatMessage("system", Words(9, session.Id, 0, _spec.SystemPromptLen)));
        }

        return session;
    }

    // Content without the leading space PseudoText puts before each word.
    private string Words(long kind, long session, long turn, int tokens) =>
        PseudoText.Words(PseudoText.Derive(_seed, kind, session, turn), tokens).TrimStart();

    private sealed class Session(long id)
    {
        public long Id { get; } = id;

        public int Turn { get; set; }

        public List<ChatMessage> History { get; } = [];
    }
}
