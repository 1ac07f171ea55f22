using InferenceGateway.Core.Prefix;
using static InferenceGateway.Core.Tests.Prefix.PrefixIndexTestData;

namespace InferenceGateway.Core.Tests.Prefix;

/// <summary>
/// Model check: <see cref="PrefixCacheIndex"/> against <see cref="ReferenceIndex"/>, a plain list-per-endpoint LRU
/// written for clarity, over thousands of random Record / Match / ForgetPlacedUpTo / RemoveEndpoint / Retain
/// operations. After every operation the counts, and a match of random prompts (blocks and placement stamps), agree.
/// </summary>
public class PrefixCacheIndexModelTests
{
    private static readonly string[] Addresses = ["a", "b", "c", "d", "e", "f"];

    public static TheoryData<int, int, int> Configurations() => new()
    {
        // seed, total cap, hash universe: tight caps with few hashes (long holder chains, much sharing) ...
        { 1, 12, 16 },
        { 2, 25, 24 },
        { 3, 40, 60 },
        // ... and wide ones, where the hash table grows past its initial 64 slots and shifts on removal.
        { 4, 300, 400 },
        { 5, 1_000, 5_000 },
        { 6, 200, 100_000 },
        { 7, 4_000_000, 2_000 },
    };

    [Theory]
    [MemberData(nameof(Configurations))]
    public void RandomOperations_AgreeWithReferenceModel(int seed, int maxTotal, int universe)
    {
        var random = new Random(seed);
        var index = new PrefixCacheIndex(new PrefixCacheOptions { MaxTotalEntries = maxTotal });
        var model = new ReferenceIndex(maxTotal);
        var candidates = Addresses.Append("unknown").Select(Candidate).ToArray();
        var group = Enumerable.Range(0, candidates.Length).ToArray();

        for (var step = 0; step < 3_000; step++)
        {
            var op = random.Next(100);
            var address = Addresses[random.Next(Addresses.Length)];
            var context = $"seed {seed}, step {step}";
            if (op < 60)
            {
                var hashes = Prompt(random, universe);
                var capacity = random.Next(8) == 0 ? random.Next(1, 4) : random.Next(4, 80);
                index.Record(hashes, address, capacity);
                model.Record(hashes, address, capacity);
            }
            else if (op < 85)
            {
                var hashes = Prompt(random, universe);
                var matched = new int[candidates.Length];
                var placed = new long[candidates.Length];
                index.Match(hashes, candidates, group, matched, placed);
                for (var c = 0; c < candidates.Length; c++)
                {
                    var (blocks, placedAt) = model.Match(hashes, candidates[c].Endpoint.Address);
                    Assert.True(blocks == matched[c], $"{context}: {candidates[c].Endpoint.Address} matched {matched[c]}, model {blocks}");
                    Assert.True(placedAt == placed[c], $"{context}: {candidates[c].Endpoint.Address} placed {placed[c]}, model {placedAt}");
                }
            }
            else if (op < 93)
            {
                var stamp = random.NextInt64(0, model.Clock + 2);
                Assert.True(model.ForgetPlacedUpTo(address, stamp) == index.ForgetPlacedUpTo(address, stamp), context);
            }
            else if (op < 98)
            {
                index.RemoveEndpoint(address);
                model.RemoveEndpoint(address);
            }
            else
            {
                var live = Addresses.Where(_ => random.Next(3) != 0).ToHashSet();
                index.Retain(live);
                model.Retain(live);
            }

            Assert.True(model.EntryCount == index.EntryCount, $"{context}: entries {index.EntryCount}, model {model.EntryCount}");
            Assert.True(model.EndpointCount == index.EndpointCount, $"{context}: endpoints {index.EndpointCount}, model {model.EndpointCount}");
            foreach (var a in Addresses)
            {
                Assert.True(model.CountFor(a) == index.CountFor(a), $"{context}: {a} holds {index.CountFor(a)}, model {model.CountFor(a)}");
            }
        }

        // Whatever the model holds, the index can match (and nothing else).
        foreach (var a in Addresses)
        {
            foreach (var (hash, touched) in model.Entries(a))
            {
                var matched = new int[1];
                var placed = new long[1];
                index.Match([hash], [Candidate(a)], [0], matched, placed);
                Assert.Equal(1, matched[0]);
                Assert.Equal(touched, placed[0]);
            }
        }
    }

    /// <summary>A prompt: a shared-looking run from a few "system prompts", then random blocks, sometimes repeated.</summary>
    private static ulong[] Prompt(Random random, int universe)
    {
        var length = random.Next(1, 24);
        var hashes = new ulong[length];
        var start = (ulong)random.Next(4) * 1_000_003;
        var shared = random.Next(length + 1);
        for (var i = 0; i < length; i++)
        {
            hashes[i] = i < shared ? start + (ulong)i : (ulong)random.NextInt64(universe) * 0x9E3779B97F4A7C15UL;
        }

        return hashes;
    }

    /// <summary>
    /// The index's contract written plainly: per endpoint a list, most recent first; endpoint slots numbered in
    /// arrival order with freed numbers reused last-freed-first (they decide which endpoint is "the biggest" on a tie).
    /// </summary>
    private sealed class ReferenceIndex(int maxTotal)
    {
        private readonly Dictionary<string, int> _ids = [];
        private readonly List<Lru?> _slots = [];
        private readonly Stack<int> _free = new();

        public long Clock { get; private set; }

        public int EntryCount => _slots.Sum(s => s?.Entries.Count ?? 0);

        public int EndpointCount => _ids.Count;

        public int CountFor(string address) => _ids.TryGetValue(address, out var id) ? _slots[id]!.Entries.Count : 0;

        public IEnumerable<(ulong Hash, long Touched)> Entries(string address) =>
            _ids.TryGetValue(address, out var id) ? _slots[id]!.Entries : [];

        public void Record(ulong[] hashes, string address, int capacity)
        {
            if (hashes.Length == 0)
            {
                return;
            }

            if (!_ids.TryGetValue(address, out var id))
            {
                id = _free.Count > 0 ? _free.Pop() : _slots.Count;
                if (id == _slots.Count)
                {
                    _slots.Add(null);
                }

                _slots[id] = new Lru();
                _ids[address] = id;
            }

            var lru = _slots[id]!;
            lru.Capacity = Math.Max(1, capacity);
            var now = ++Clock;
            for (var b = hashes.Length - 1; b >= 0; b--)
            {
                var at = lru.Entries.FindIndex(e => e.Hash == hashes[b]);
                if (at >= 0)
                {
                    lru.Entries.RemoveAt(at);
                    lru.Entries.Insert(0, (hashes[b], now));
                    continue;
                }

                while (lru.Entries.Count >= lru.Capacity)
                {
                    lru.Entries.RemoveAt(lru.Entries.Count - 1);
                }

                if (EntryCount >= maxTotal)
                {
                    var fairShare = (int)(((long)maxTotal + _ids.Count - 1) / _ids.Count);
                    var victim = lru.Entries.Count >= Math.Max(1, fairShare) ? lru : Largest();
                    if (victim.Entries.Count > 0)
                    {
                        victim.Entries.RemoveAt(victim.Entries.Count - 1);
                    }
                }

                lru.Entries.Insert(0, (hashes[b], now));
            }
        }

        public (int Blocks, long PlacedAt) Match(ulong[] hashes, string address)
        {
            if (!_ids.TryGetValue(address, out var id))
            {
                return (0, 0);
            }

            var entries = _slots[id]!.Entries;
            var blocks = 0;
            long placedAt = 0;
            foreach (var hash in hashes)
            {
                var at = entries.FindIndex(e => e.Hash == hash);
                if (at < 0)
                {
                    break;
                }

                blocks++;
                placedAt = entries[at].Touched;
            }

            return (blocks, placedAt);
        }

        public int ForgetPlacedUpTo(string address, long stamp)
        {
            if (!_ids.TryGetValue(address, out var id))
            {
                return 0;
            }

            var entries = _slots[id]!.Entries;
            var dropped = 0;
            while (entries.Count > 0 && entries[^1].Touched <= stamp)
            {
                entries.RemoveAt(entries.Count - 1);
                dropped++;
            }

            return dropped;
        }

        public void RemoveEndpoint(string address)
        {
            if (_ids.Remove(address, out var id))
            {
                _slots[id] = null;
                _free.Push(id);
            }
        }

        public void Retain(IReadOnlySet<string> live)
        {
            foreach (var address in _ids.Keys.Where(a => !live.Contains(a)).ToList())
            {
                RemoveEndpoint(address);
            }
        }

        private Lru Largest()
        {
            Lru? best = null;
            foreach (var slot in _slots)
            {
                var count = slot?.Entries.Count ?? 0;
                if (best is null || count > best.Entries.Count)
                {
                    best = slot ?? new Lru();
                }
            }

            return best!;
        }

        private sealed class Lru
        {
            public List<(ulong Hash, long Touched)> Entries { get; } = [];

            public int Capacity { get; set; }
        }
    }
}
