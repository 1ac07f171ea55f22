using System.Globalization;

namespace InferenceGateway.Bench;

/// <summary>Parses `--seeds`: comma-separated seeds and inclusive ranges `a..b`, e.g. `1..12` or `1,5,9` or `1..3,10`.</summary>
internal static class SeedList
{
    /// <summary>Seeds in one list at most: each seed is a full run of every strategy and plan.</summary>
    public const int MaxSeeds = 100;

    /// <summary>The seeds in the order given. Throws <see cref="ArgumentException"/> with the offending part on bad input.</summary>
    public static IReadOnlyList<ulong> Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new ArgumentException("--seeds is empty: give seeds like 1..12 or 1,5,9");
        }

        var seeds = new List<ulong>();
        var seen = new HashSet<ulong>();
        foreach (var raw in text.Split(','))
        {
            var part = raw.Trim();
            if (part.Length == 0)
            {
                throw new ArgumentException($"--seeds '{text}': empty entry (seeds are separated by single commas)");
            }

            ulong first;
            ulong last;
            var dots = part.IndexOf("..", StringComparison.Ordinal);
            if (dots >= 0)
            {
                first = Number(part[..dots].Trim(), part, text);
                last = Number(part[(dots + 2)..].Trim(), part, text);
                if (last < first)
                {
                    throw new ArgumentException($"--seeds '{text}': range '{part}' ends before it starts");
                }
            }
            else
            {
                first = Number(part, part, text);
                last = first;
            }

            // Checked before expanding, so 1..1000000000 fails at once instead of allocating.
            if (last - first >= (ulong)(MaxSeeds - seeds.Count))
            {
                throw new ArgumentException($"--seeds '{text}': more than {MaxSeeds} seeds");
            }

            for (var seed = first; ; seed++)
            {
                if (!seen.Add(seed))
                {
                    throw new ArgumentException($"--seeds '{text}': seed {seed.ToString(CultureInfo.InvariantCulture)} is given twice");
                }

                seeds.Add(seed);
                if (seed == last)
                {
                    break;
                }
            }
        }

        return seeds;
    }

    private static ulong Number(string value, string part, string text) =>
        value.Length > 0 && ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seed)
            ? seed
            : throw new ArgumentException($"--seeds '{text}': '{part}' is not a seed (a non-negative integer) or a range a..b");
}
