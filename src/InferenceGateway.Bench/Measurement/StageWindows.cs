namespace InferenceGateway.Bench.Measurement;

/// <summary>
/// What the cluster produced inside each stage's time window, whichever stage the requests came from: output tokens
/// generated, requests completed and their prompt tokens. Per-stage throughput = these / the stage's duration, the
/// rate a server-side counter (vllm:generation_tokens_total) would show while that load was offered.
/// Not thread-safe; the http runner locks around it.
/// </summary>
internal sealed class StageWindows
{
    private readonly double[] _ends;
    private int _cursor;

    public StageWindows(IReadOnlyList<double> durations)
    {
        ArgumentNullException.ThrowIfNull(durations);
        _ends = new double[durations.Count];
        var end = 0.0;
        for (var s = 0; s < _ends.Length; s++)
        {
            end += durations[s];
            _ends[s] = end;
        }

        OutputTokens = new long[_ends.Length];
        Completed = new long[_ends.Length];
        CompletedPromptTokens = new long[_ends.Length];
    }

    public long[] OutputTokens { get; }

    public long[] Completed { get; }

    public long[] CompletedPromptTokens { get; }

    public void AddTokens(double time, int tokens)
    {
        var s = StageAt(time);
        if (s >= 0)
        {
            OutputTokens[s] += tokens;
        }
    }

    public void AddCompletion(double time, int promptTokens)
    {
        var s = StageAt(time);
        if (s >= 0)
        {
            Completed[s]++;
            CompletedPromptTokens[s] += promptTokens;
        }
    }

    /// <summary>The stage whose window holds <paramref name="time"/>, or -1 after the last one.</summary>
    public int StageAt(double time)
    {
        // Times mostly arrive in order (always in the simulation): start from the last answer.
        if (_cursor > 0 && time < _ends[_cursor - 1])
        {
            _cursor = 0;
        }

        while (_cursor < _ends.Length && time >= _ends[_cursor])
        {
            _cursor++;
        }

        return _cursor < _ends.Length ? _cursor : -1;
    }
}
