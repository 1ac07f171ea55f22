namespace InferenceGateway.Core.Usage;

/// <summary>
/// <see cref="UsageScanner"/> on the heap, for holders that keep it in a nullable field or share it (the ext_proc
/// exchange): the same parser, with the same rules and limits; see <see cref="UsageScanner"/>.
/// </summary>
public sealed class UsageParser : IDisposable
{
    private UsageScanner _scanner;

    /// <inheritdoc cref="UsageScanner(UsageBodyFormat, UsageParserLimits, bool)"/>
    public UsageParser(UsageBodyFormat format, UsageParserLimits limits, bool detectFirstContent = false) =>
        _scanner = new UsageScanner(format, limits, detectFirstContent);

    /// <inheritdoc cref="UsageScanner.Usage"/>
    public TokenUsage? Usage => _scanner.Usage;

    /// <inheritdoc cref="UsageScanner.FirstContentSeen"/>
    public bool FirstContentSeen => _scanner.FirstContentSeen;

    /// <inheritdoc cref="UsageScanner.Stopped"/>
    public bool Stopped => _scanner.Stopped;

    /// <inheritdoc cref="UsageScanner.Append"/>
    public void Append(ReadOnlySpan<byte> chunk) => _scanner.Append(chunk);

    /// <inheritdoc cref="UsageScanner.Complete"/>
    public TokenUsage? Complete() => _scanner.Complete();

    public void Dispose() => _scanner.Dispose();
}
