namespace InferenceGateway.Bench.Scheduling;

/// <summary>
/// The discrete-event clock as a <see cref="TimeProvider"/>: the simulation sets <see cref="Now"/> before every
/// decision. Timers are not supported (nothing runs between events).
/// </summary>
internal sealed class VirtualTimeProvider : TimeProvider
{
    /// <summary>Wall-clock instant that virtual time zero maps to (fixed, so runs are reproducible).</summary>
    public static readonly DateTimeOffset Epoch = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Virtual time since the start of the run.</summary>
    public TimeSpan Now { get; set; }

    public override DateTimeOffset GetUtcNow() => Epoch + Now;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Now.Ticks;

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        throw new NotSupportedException("Timers do not exist on the discrete-event clock; read GetUtcNow() per decision instead.");
}
