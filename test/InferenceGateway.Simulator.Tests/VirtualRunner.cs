using InferenceGateway.Simulator.Engines;
using InferenceGateway.Simulator.Tokens;

namespace InferenceGateway.Simulator.Tests;

/// <summary>Drives one engine on virtual time through a list of arrivals, recording every event (a tiny DES).</summary>
internal sealed class VirtualRunner : IEngineEventSink
{
    public List<EngineEvent> Events { get; } = [];

    public List<(EngineRequest Request, SubmitResult Result)> Submissions { get; } = [];

    public static VirtualRunner Run(Engine engine, IReadOnlyList<(TimeSpan At, EngineRequest Request)> arrivals, Action<Engine>? afterStep = null, TimeSpan? stopAt = null)
    {
        var runner = new VirtualRunner();
        var ordered = arrivals.OrderBy(a => a.At).ToList();
        var next = 0;
        var now = TimeSpan.Zero;
        while (true)
        {
            while (next < ordered.Count && ordered[next].At <= now)
            {
                runner.Submit(engine, ordered[next++]);
            }

            var duration = engine.BeginStep(now);
            if (duration is null)
            {
                if (next >= ordered.Count)
                {
                    return runner;
                }

                now = ordered[next].At;
                continue;
            }

            var end = now + duration.Value;
            while (next < ordered.Count && ordered[next].At <= end)
            {
                runner.Submit(engine, ordered[next++]);
            }

            engine.EndStep(runner);
            afterStep?.Invoke(engine);
            now = end;
            if (stopAt is { } stop && now >= stop)
            {
                return runner;
            }
        }
    }

    public void OnEvent(in EngineEvent engineEvent) => Events.Add(engineEvent);

    private void Submit(Engine engine, (TimeSpan At, EngineRequest Request) arrival) =>
        Submissions.Add((arrival.Request, engine.Submit(arrival.Request, arrival.At)));

    /// <summary>A request whose prompt is <paramref name="text"/> tokenized like the server does.</summary>
    public static EngineRequest FromText(long id, string text, int outputTokens, int blockSize = 16, string? adapter = null)
    {
        var ids = ApproxTokenizer.TokenIds(text);
        return new EngineRequest(id, ids.Length, PromptHasher.BlockHashes(ids, blockSize, PromptHasher.SeedFor(adapter)), outputTokens, adapter);
    }

    /// <summary>A request of <paramref name="promptTokens"/> tokens sharing no block with any other id.</summary>
    public static EngineRequest Unique(long id, int promptTokens, int outputTokens, int blockSize = 16, string? adapter = null)
    {
        // Synthetic block hashes (what a discrete-event workload would use): unique per (id, adapter, block).
        var hashes = new ulong[promptTokens / blockSize];
        var seed = PromptHasher.SeedFor(adapter) ^ unchecked((ulong)id * 0x9E3779B97F4A7C15UL);
        for (var b = 0; b < hashes.Length; b++)
        {
            hashes[b] = System.IO.Hashing.XxHash64.HashToUInt64(BitConverter.GetBytes(b), unchecked((long)seed));
        }

        return new EngineRequest(id, promptTokens, hashes, outputTokens, adapter);
    }
}
