namespace InferenceGateway.Bench.Workloads;

/// <summary>One request of a run: when it is sent (from the run's start), its stage, and what it sends.</summary>
internal sealed record PlannedRequest(int Index, TimeSpan At, int Stage, PromptItem Item);

/// <summary>The whole open-loop schedule of one run (one rate of a sweep, or one staged workload).</summary>
internal sealed record LoadPlan(string Label, IReadOnlyList<StageSpec> Stages, IReadOnlyList<PlannedRequest> Requests)
{
    public TimeSpan Duration => TimeSpan.FromSeconds(Stages.Sum(s => s.Duration));

    /// <summary>Offered load (requests/s) of the whole plan.</summary>
    public double OfferedRate => Stages.Sum(s => s.Rate * s.Duration) / Stages.Sum(s => s.Duration);

    /// <summary>Arrivals from the stages, prompts from the workload; both seeded (independently) by <paramref name="seed"/>.</summary>
    public static LoadPlan Build(WorkloadSpec spec, IReadOnlyList<StageSpec> stages, ulong seed, string label)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var arrivals = ArrivalSchedule.Generate(stages, spec.Arrival, spec.Burstiness, new Random(unchecked((int)PseudoText.Derive(seed, 10))));
        var source = PromptSources.Create(spec, seed);
        var requests = new PlannedRequest[arrivals.Count];
        for (var i = 0; i < requests.Length; i++)
        {
            requests[i] = new PlannedRequest(i, TimeSpan.FromSeconds(arrivals[i].Time), arrivals[i].Stage, source.Next());
        }

        return new LoadPlan(label, stages, requests);
    }
}

/// <summary>Open-loop arrival times over stages of {rate, duration}.</summary>
internal static class ArrivalSchedule
{
    /// <summary>
    /// Inter-arrival gaps are exponential with mean 1/rate (poisson) or gamma with shape k = burstiness and scale
    /// 1/(rate k) (same mean; k &lt; 1 burstier). Each stage starts its own process at its start time.
    /// </summary>
    public static List<(double Time, int Stage)> Generate(IReadOnlyList<StageSpec> stages, string process, double burstiness, Random random)
    {
        ArgumentNullException.ThrowIfNull(stages);
        ArgumentNullException.ThrowIfNull(random);
        var result = new List<(double, int)>();
        var start = 0.0;
        for (var s = 0; s < stages.Count; s++)
        {
            var stage = stages[s];
            var end = start + stage.Duration;
            var t = start;
            while (true)
            {
                t += process == "gamma" ? Gamma(random, burstiness) / (stage.Rate * burstiness) : -Math.Log(1.0 - random.NextDouble()) / stage.Rate;
                if (t >= end)
                {
                    break;
                }

                result.Add((t, s));
            }

            start = end;
        }

        return result;
    }

    /// <summary>Gamma(shape, 1) by Marsaglia and Tsang (with the U^(1/k) boost for shape &lt; 1).</summary>
    internal static double Gamma(Random random, double shape)
    {
        if (shape < 1)
        {
            return Gamma(random, shape + 1) * Math.Pow(1.0 - random.NextDouble(), 1.0 / shape);
        }

        var d = shape - (1.0 / 3.0);
        var c = 1.0 / Math.Sqrt(9.0 * d);
        while (true)
        {
            double x;
            double v;
            do
            {
                var u1 = 1.0 - random.NextDouble();
                var u2 = random.NextDouble();
                x = Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
                v = 1.0 + (c * x);
            }
            while (v <= 0);

            v = v * v * v;
            var u = 1.0 - random.NextDouble();
            if (Math.Log(u) < (0.5 * x * x) + d - (d * v) + (d * Math.Log(v)))
            {
                return d * v;
            }
        }
    }
}
