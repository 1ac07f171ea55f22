using InferenceGateway.Core.Requests;

namespace InferenceGateway.Core.Routing;

/// <summary>Limits and defaults of the request pipeline.</summary>
public sealed class RoutingOptions
{
    /// <summary>Larger bodies are refused with 413 before parsing.</summary>
    public int MaxBodyBytes { get; set; } = RequestParser.DefaultMaxBodyBytes;

    /// <summary>Deeper JSON nesting (the root object is level 1) is refused with 400.</summary>
    public int MaxJsonDepth { get; set; } = RequestParser.DefaultMaxJsonDepth;

    /// <summary>Metrics scraped longer ago than this are handed to admission and scheduling as unknown (null).</summary>
    public TimeSpan StalenessThreshold { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Output tokens assumed for in-flight accounting when a generating request sets no max tokens.</summary>
    public int DefaultMaxTokensEstimate { get; set; } = 256;

    internal string? Validate()
    {
        if (MaxBodyBytes <= 0)
        {
            return $"{nameof(MaxBodyBytes)} must be positive";
        }

        if (MaxJsonDepth < 2 || MaxJsonDepth > 1000)
        {
            return $"{nameof(MaxJsonDepth)} must be between 2 and 1000";
        }

        if (StalenessThreshold <= TimeSpan.Zero)
        {
            return $"{nameof(StalenessThreshold)} must be positive";
        }

        return DefaultMaxTokensEstimate < 0 ? $"{nameof(DefaultMaxTokensEstimate)} must not be negative" : null;
    }
}
