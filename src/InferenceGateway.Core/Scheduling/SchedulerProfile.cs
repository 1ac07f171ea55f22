using System.Collections.Immutable;
using System.Runtime.InteropServices;
using InferenceGateway.Core.Datastore;

namespace InferenceGateway.Core.Scheduling;

/// <summary>A scorer and its weight in a profile: total = sum(weight x score).</summary>
internal readonly record struct WeightedScorer(IScorer Scorer, double Weight);

/// <summary>One scheduling profile: filters in order, then weighted scorers, then a picker.</summary>
internal sealed class SchedulerProfile
{
    private readonly IFilter[] _filters;
    private readonly WeightedScorer[] _scorers;
    private readonly IPickObserver[] _observers;

    public SchedulerProfile(string name, IEnumerable<IFilter> filters, IEnumerable<WeightedScorer> scorers, IPicker picker)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(picker);
        Name = name;
        _filters = [.. filters];
        _scorers = [.. scorers];
        Picker = picker;
        var observers = new List<IPickObserver>();
        foreach (var plugin in AllPlugins())
        {
            if (plugin is IPickObserver observer && !observers.Contains(observer))
            {
                observers.Add(observer);
            }
        }

        _observers = [.. observers];
    }

    public string Name { get; }

    public IReadOnlyList<IFilter> Filters => _filters;

    public IReadOnlyList<WeightedScorer> Scorers => _scorers;

    public IPicker Picker { get; }

    public SchedulingResult Run(SchedulingCycle cycle)
    {
        var n = cycle.Count;
        var subset = cycle.SubsetBuffer(n);
        for (var i = 0; i < n; i++)
        {
            subset[i] = i;
        }

        var count = n;
        for (var f = 0; f < _filters.Length; f++)
        {
            count = _filters[f].Filter(cycle, subset[..count]);
            if (count == 0)
            {
                return Shed(cycle, _filters[f]);
            }
        }

        var live = subset[..count];
        var totals = cycle.TotalsBuffer(count);
        totals.Clear();
        if (_scorers.Length > 0)
        {
            var scores = cycle.ScoresBuffer(count);
            for (var s = 0; s < _scorers.Length; s++)
            {
                var (scorer, weight) = _scorers[s];
                scores.Clear();
                scorer.Score(cycle, live, scores);
                for (var k = 0; k < count; k++)
                {
                    var score = scores[k];
                    totals[k] += weight * (double.IsNaN(score) ? 0 : Math.Clamp(score, 0, 1));
                }
            }
        }

        var ordered = cycle.OrderedBuffer(Math.Max(1, Picker.MaxEndpoints));
        var picked = Picker.Pick(cycle, live, totals, ordered);
        if (picked == 0)
        {
            return Shed(cycle, Picker);
        }

        // The result owns a fresh array; wrapping it avoids an ImmutableArray builder per pick.
        var endpoints = new Endpoint[picked];
        for (var j = 0; j < picked; j++)
        {
            endpoints[j] = cycle.Candidate(ordered[j]).Endpoint;
        }

        var primary = ordered[0];
        for (var o = 0; o < _observers.Length; o++)
        {
            _observers[o].OnPicked(cycle, primary);
        }

        // The expectation carries the placement stamp seen at match time, before this pick records its blocks.
        var expectation = cycle.CacheExpectationFor(primary);
        cycle.RecordPrimary(primary);
        return new SchedulingResult(ImmutableCollectionsMarshal.AsImmutableArray(endpoints), Name, null) { Expectation = expectation };
    }

    private IEnumerable<ISchedulingPlugin> AllPlugins()
    {
        foreach (var filter in _filters)
        {
            yield return filter;
        }

        foreach (var scorer in _scorers)
        {
            yield return scorer.Scorer;
        }

        yield return Picker;
    }

    private SchedulingResult Shed(SchedulingCycle cycle, ISchedulingPlugin plugin) => new(
        [],
        Name,
        new SchedulingRejection(
            429,
            $"No endpoint can take a {cycle.Request.Criticality} request for model '{cycle.Request.TargetModel}' right now: " +
            $"all {cycle.Count} were ruled out by '{plugin.Name}' (profile '{Name}'). Retry later."));
}
