namespace InferenceGateway.Simulator.Engines;

/// <summary>A fixed-bucket histogram of seconds (Prometheus semantics); recording never allocates.</summary>
internal sealed class LatencyHistogram
{
    // vLLM's bucket bounds for these series.
    public static readonly double[] TimeToFirstTokenBounds =
        [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0];

    public static readonly double[] RequestLatencyBounds =
        [0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0];

    private readonly double[] _bounds;
    private readonly long[] _counts;
    private double _sum;
    private long _count;

    public LatencyHistogram(double[] bounds)
    {
        _bounds = bounds;
        _counts = new long[bounds.Length];
    }

    public void Record(TimeSpan value)
    {
        var seconds = value.TotalSeconds;
        _sum += seconds;
        _count++;
        for (var i = 0; i < _bounds.Length; i++)
        {
            if (seconds <= _bounds[i])
            {
                _counts[i]++;
                return;
            }
        }
    }

    public HistogramSnapshot Snapshot()
    {
        var cumulative = new long[_counts.Length];
        long running = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            running += _counts[i];
            cumulative[i] = running;
        }

        return new HistogramSnapshot(_bounds, cumulative, _sum, _count);
    }
}

/// <summary>Cumulative bucket counts (Prometheus `le` semantics, without the +Inf bucket, which is Count).</summary>
public sealed record HistogramSnapshot(IReadOnlyList<double> UpperBounds, IReadOnlyList<long> CumulativeCounts, double Sum, long Count);
