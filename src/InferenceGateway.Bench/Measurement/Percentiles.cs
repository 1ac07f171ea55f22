namespace InferenceGateway.Bench.Measurement;

/// <summary>
/// Percentiles by linear interpolation between closest ranks (NumPy's default, as vLLM's and inference-perf's
/// reports use): over sorted x[0..n-1], p maps to rank r = p/100 * (n - 1) and the value is
/// x[floor r] + (r - floor r) * (x[ceil r] - x[floor r]).
/// </summary>
internal static class Percentiles
{
    /// <summary>Sorts <paramref name="values"/> in place and returns the requested percentiles (NaN when empty).</summary>
    public static double[] Compute(Span<double> values, params ReadOnlySpan<double> percents)
    {
        values.Sort();
        var result = new double[percents.Length];
        for (var i = 0; i < percents.Length; i++)
        {
            result[i] = OfSorted(values, percents[i]);
        }

        return result;
    }

    public static double OfSorted(ReadOnlySpan<double> sorted, double percent)
    {
        if (sorted.IsEmpty)
        {
            return double.NaN;
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(percent, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(percent, 100);
        var rank = percent / 100.0 * (sorted.Length - 1);
        var lo = (int)Math.Floor(rank);
        var hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + ((rank - lo) * (sorted[hi] - sorted[lo]));
    }

    public static double Mean(ReadOnlySpan<double> values)
    {
        if (values.IsEmpty)
        {
            return double.NaN;
        }

        var sum = 0.0;
        foreach (var v in values)
        {
            sum += v;
        }

        return sum / values.Length;
    }
}

/// <summary>
/// Inter-token gaps of a run: kept exactly up to <see cref="Capacity"/> values, beyond that a uniform seeded
/// reservoir sample of that size (bounded memory for hour-long simulations).
/// </summary>
internal sealed class GapSample
{
    public const int Capacity = 4_000_000;
    private readonly Random _random;
    private readonly int _capacity;
    private double[] _values = new double[1024];
    private int _count;

    public GapSample(int seed, int capacity = Capacity)
    {
        _random = new Random(seed);
        _capacity = capacity;
    }

    public long Seen { get; private set; }

    public void Add(double gap)
    {
        Seen++;
        if (_count < _capacity)
        {
            if (_count == _values.Length)
            {
                Array.Resize(ref _values, Math.Min(_capacity, _values.Length * 2));
            }

            _values[_count++] = gap;
            return;
        }

        var j = _random.NextInt64(Seen);
        if (j < _capacity)
        {
            _values[j] = gap;
        }
    }

    public Span<double> Values => _values.AsSpan(0, _count);
}
