using InferenceGateway.Bench.Measurement;
using InferenceGateway.Bench.Workloads;

namespace InferenceGateway.Bench.CrossCheck;

/// <summary>
/// The simulator's <c>--time-scale s</c> stretches model time by s on the wall clock (s wall seconds per model
/// second). The cross-check sends the simulation's plan stretched the same way and reports what it measured back in
/// model time, so both sides of the comparison are in the same units.
/// </summary>
internal static class TimeScaling
{
    /// <summary>The plan on the wall clock: every send time and stage duration times <paramref name="scale"/>, rates divided by it.</summary>
    public static LoadPlan ToWallClock(LoadPlan plan, double scale)
    {
        ArgumentNullException.ThrowIfNull(plan);
        Check(scale);
        if (scale == 1)
        {
            return plan;
        }

        var stages = new List<StageSpec>(plan.Stages.Count);
        foreach (var stage in plan.Stages)
        {
            stages.Add(new StageSpec { Rate = stage.Rate / scale, Duration = stage.Duration * scale });
        }

        var requests = new PlannedRequest[plan.Requests.Count];
        for (var i = 0; i < requests.Length; i++)
        {
            var r = plan.Requests[i];
            requests[i] = r with { At = TimeSpan.FromTicks((long)Math.Round(r.At.Ticks * scale)) };
        }

        return new LoadPlan(plan.Label, stages, requests);
    }

    /// <summary>A record measured on the wall clock, in model time: latencies divided by <paramref name="scale"/>, rates multiplied.</summary>
    public static SummaryRecord ToModelTime(SummaryRecord record, double scale)
    {
        ArgumentNullException.ThrowIfNull(record);
        Check(scale);
        if (scale == 1)
        {
            return record;
        }

        return record with
        {
            OfferedRate = record.OfferedRate * scale,
            DurationSeconds = record.DurationSeconds / scale,
            TtftP50Ms = record.TtftP50Ms / scale,
            TtftP90Ms = record.TtftP90Ms / scale,
            TtftP99Ms = record.TtftP99Ms / scale,
            TtftMeanMs = record.TtftMeanMs / scale,
            TpotP50Ms = record.TpotP50Ms / scale,
            TpotP90Ms = record.TpotP90Ms / scale,
            ItlP50Ms = record.ItlP50Ms / scale,
            ItlP90Ms = record.ItlP90Ms / scale,
            E2eP50Ms = record.E2eP50Ms / scale,
            E2eP90Ms = record.E2eP90Ms / scale,
            E2eP99Ms = record.E2eP99Ms / scale,
            E2eMeanMs = record.E2eMeanMs / scale,
            ClientWaitP90Ms = record.ClientWaitP90Ms / scale,
            RequestsPerSecond = record.RequestsPerSecond * scale,
            OutputTokensPerSecond = record.OutputTokensPerSecond * scale,
            TotalTokensPerSecond = record.TotalTokensPerSecond * scale,
        };
    }

    private static void Check(double scale)
    {
        if (!(scale > 0) || double.IsInfinity(scale))
        {
            throw new ArgumentOutOfRangeException(nameof(scale), scale, "the time scale must be positive and finite");
        }
    }
}
