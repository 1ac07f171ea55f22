namespace InferenceGateway.Core.Metrics;

/// <summary>Scrape loop settings. Defaults follow the reference picker (50 ms cadence, 5 s timeout, 2 s staleness).</summary>
internal sealed class MetricsOptions
{
    /// <summary>Pause between the end of one successful scrape and the start of the next.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Whole-request timeout of one scrape (connect, headers and body).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Random extra delay in [0, Jitter) added to every pause, so loops of many endpoints do not align.</summary>
    public TimeSpan Jitter { get; set; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Pause after the first failure; doubled per consecutive failure up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Metrics older than this are unknown (null), never idle.</summary>
    public TimeSpan StalenessThreshold { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Larger responses are an error (protects the picker from a misbehaving server).</summary>
    public int MaxResponseBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>Overrides every engine's own metrics path when set (e.g. "/metrics" behind a sidecar).</summary>
    public string? MetricsPathOverride { get; set; }

    /// <summary>Scheme for scrapes ("http"; "https" for servers that only speak TLS).</summary>
    public string Scheme { get; set; } = "http";

    public void Validate()
    {
        if (Interval <= TimeSpan.Zero || Timeout <= TimeSpan.Zero || StalenessThreshold <= TimeSpan.Zero)
        {
            throw new ArgumentException("Metrics interval, timeout and staleness threshold must be positive.");
        }

        if (Jitter < TimeSpan.Zero || InitialBackoff <= TimeSpan.Zero || MaxBackoff < InitialBackoff)
        {
            throw new ArgumentException("Metrics jitter must be >= 0, initial backoff > 0 and max backoff >= initial backoff.");
        }

        if (MaxResponseBytes < 1024)
        {
            throw new ArgumentException("MaxResponseBytes must be at least 1024.");
        }
    }

    /// <summary>Pause before the next scrape: the interval after a success, exponential backoff after failures; plus jitter.</summary>
    /// <param name="jitterSample">A uniform random number in [0, 1).</param>
    public TimeSpan NextDelay(int consecutiveFailures, double jitterSample)
    {
        TimeSpan delay;
        if (consecutiveFailures <= 0)
        {
            delay = Interval;
        }
        else
        {
            var exponent = Math.Min(consecutiveFailures - 1, 30);
            var ticks = InitialBackoff.Ticks * Math.Pow(2, exponent);
            delay = ticks >= MaxBackoff.Ticks ? MaxBackoff : TimeSpan.FromTicks((long)ticks);
        }

        return delay + TimeSpan.FromTicks((long)(Jitter.Ticks * Math.Clamp(jitterSample, 0, 1)));
    }
}
