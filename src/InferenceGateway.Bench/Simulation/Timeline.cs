using System.Globalization;
using System.Text;

namespace InferenceGateway.Bench.Simulation;

/// <summary>
/// One server at one instant of a simulated run (`--timeline`). Counts over the interval are since the previous
/// sample (or the run's start): the prompt and cached prompt tokens of the requests the engine admitted (first
/// scheduled into a batch) in the interval, and its preemptions.
/// </summary>
internal readonly record struct TimelineSample(
    double TimeSeconds,
    string Server,
    int Waiting,
    int Running,
    int InFlight,
    double KvUsage,
    long AdmittedPromptTokens,
    long CachedPromptTokens,
    long Preemptions,
    int CachedBlocks)
{
    /// <summary>Cached / prompt tokens of the requests admitted in the interval; NaN when none was admitted.</summary>
    public double PrefixCacheHitRate => AdmittedPromptTokens > 0 ? (double)CachedPromptTokens / AdmittedPromptTokens : double.NaN;
}

/// <summary>Receives the timeline of each simulated run as it finishes.</summary>
internal interface ITimelineSink
{
    void Add(string strategy, string run, ulong seed, IReadOnlyList<TimelineSample> samples);
}

/// <summary>Writes timeline.csv: a header row, then one row per sample (invariant culture; empty = undefined).</summary>
internal sealed class TimelineCsvWriter : ITimelineSink, IDisposable
{
    public const string FileName = "timeline.csv";

    public const string Header = "strategy,run,seed,server,time_s,waiting,running,in_flight,kv_usage,admitted_prompt_tokens,cached_prompt_tokens,prefix_cache_hit_rate,preemptions,cached_blocks";

    private readonly TextWriter _writer;

    public TimelineCsvWriter(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        _writer = writer;
        _writer.Write(Header);
        _writer.Write('\n');
    }

    /// <summary>Creates (or replaces) <see cref="FileName"/> in <paramref name="directory"/>.</summary>
    public static TimelineCsvWriter Create(string directory)
    {
        Directory.CreateDirectory(directory);
        return new TimelineCsvWriter(new StreamWriter(Path.Combine(directory, FileName), append: false, new UTF8Encoding(false)));
    }

    public void Add(string strategy, string run, ulong seed, IReadOnlyList<TimelineSample> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var c = CultureInfo.InvariantCulture;
        var prefix = string.Create(c, $"{Field(strategy)},{Field(run)},{seed},");
        var line = new StringBuilder(160);
        foreach (var s in samples)
        {
            line.Clear();
            line.Append(prefix)
                .Append(Field(s.Server)).Append(',')
                .Append(s.TimeSeconds.ToString("0.###", c)).Append(',')
                .Append(s.Waiting.ToString(c)).Append(',')
                .Append(s.Running.ToString(c)).Append(',')
                .Append(s.InFlight.ToString(c)).Append(',')
                .Append(s.KvUsage.ToString("0.####", c)).Append(',')
                .Append(s.AdmittedPromptTokens.ToString(c)).Append(',')
                .Append(s.CachedPromptTokens.ToString(c)).Append(',')
                .Append(double.IsFinite(s.PrefixCacheHitRate) ? s.PrefixCacheHitRate.ToString("0.####", c) : string.Empty).Append(',')
                .Append(s.Preemptions.ToString(c)).Append(',')
                .Append(s.CachedBlocks.ToString(c)).Append('\n');
            _writer.Write(line);
        }
    }

    public void Dispose() => _writer.Dispose();

    /// <summary>RFC 4180 quoting for names that contain a comma, a quote or a line break (strategy names come from configs).</summary>
    private static string Field(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") < 0 ? value : "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
