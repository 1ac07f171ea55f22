using InferenceGateway.Core.Scheduling;

namespace InferenceGateway.Bench.Scheduling;

/// <summary>
/// What a scheduler gets when the benchmark creates it: the clock it must read (virtual time in the discrete-event
/// mode, so metric staleness is judged on the simulated clock) and a seeded random source (reproducible runs).
/// </summary>
/// <param name="Time">The run's clock. In simulate mode <c>GetUtcNow()</c> = <see cref="VirtualTimeProvider.Epoch"/> + virtual time; timers are not supported.</param>
/// <param name="Random">Seeded per run (same seed, same draws).</param>
/// <param name="Endpoints">The endpoints the run will offer as candidates (fixed for the whole run).</param>
/// <param name="BlockSize">KV block size of the simulated servers in tokens (for prefix indexes that mirror it).</param>
/// <param name="KvCacheBlocks">KV blocks per simulated server.</param>
internal sealed record SchedulerContext(
    TimeProvider Time,
    Random Random,
    IReadOnlyList<InferenceGateway.Core.Datastore.Endpoint> Endpoints,
    int BlockSize,
    int KvCacheBlocks);

/// <summary>
/// Resolves strategy names (scheduling profiles) to schedulers. The benchmark creates a fresh scheduler per
/// (strategy, rate) run, so state such as a prefix index never leaks between runs.
/// </summary>
internal interface ISchedulerFactory
{
    /// <summary>The names this factory can create, in display order.</summary>
    IReadOnlyList<string> Names { get; }

    /// <summary>A new scheduler for <paramref name="name"/>, or null when the name is unknown.</summary>
    IScheduler? Create(string name, SchedulerContext context);
}

/// <summary>An <see cref="ISchedulerFactory"/> over a name -> constructor table.</summary>
internal sealed class DelegateSchedulerFactory : ISchedulerFactory
{
    private readonly Dictionary<string, Func<SchedulerContext, IScheduler>> _constructors;
    private readonly List<string> _names;

    public DelegateSchedulerFactory(IEnumerable<KeyValuePair<string, Func<SchedulerContext, IScheduler>>> constructors)
    {
        ArgumentNullException.ThrowIfNull(constructors);
        _constructors = new Dictionary<string, Func<SchedulerContext, IScheduler>>(StringComparer.OrdinalIgnoreCase);
        _names = [];
        foreach (var (name, constructor) in constructors)
        {
            _constructors.Add(name, constructor);
            _names.Add(name);
        }
    }

    /// <summary>A factory with no strategies (the CLI's default until the real scheduler profiles are plugged in).</summary>
    public static DelegateSchedulerFactory Empty { get; } = new([]);

    public IReadOnlyList<string> Names => _names;

    public IScheduler? Create(string name, SchedulerContext context) =>
        _constructors.TryGetValue(name, out var constructor) ? constructor(context) : null;
}

/// <summary>
/// Optional: a scheduler (or an adapter around one) that also implements this interface is told when a request it
/// placed ends, as a gateway's response path would tell it (e.g. to update a prefix index or in-flight state).
/// Called on the simulation thread at the virtual time of the event (<see cref="SchedulerContext.Time"/>).
/// </summary>
internal interface ISchedulerObserver
{
    /// <param name="requestId">The <c>SchedulingRequest.RequestId</c> of the request.</param>
    /// <param name="endpoint">The endpoint it ran on.</param>
    /// <param name="succeeded">False when the server refused it (queue full, too long).</param>
    /// <param name="cachedPromptTokens">Prompt tokens the server served from its prefix cache.</param>
    void OnRequestEnded(string requestId, InferenceGateway.Core.Datastore.Endpoint endpoint, bool succeeded, int cachedPromptTokens);
}
