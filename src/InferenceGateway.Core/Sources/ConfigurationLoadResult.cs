namespace InferenceGateway.Core.Sources;

/// <summary>The outcome of one attempt to load the configuration files, for logs, status and health.</summary>
/// <param name="Succeeded">True when the files were valid and their configuration is now in force.</param>
/// <param name="CompletedAt">When the attempt finished (from the injected TimeProvider).</param>
/// <param name="Files">The files that were read, in order.</param>
/// <param name="Errors">Every problem found, one line each (file, document, field, rule); empty on success.</param>
/// <param name="Warnings">Non-fatal findings, e.g. a pod with an unusable IP.</param>
/// <param name="SnapshotVersion">Version of the snapshot in force after the attempt; null when none was ever loaded.</param>
public sealed record ConfigurationLoadResult(
    bool Succeeded,
    DateTimeOffset CompletedAt,
    IReadOnlyList<string> Files,
    IReadOnlyList<string> Errors,
    IReadOnlyList<string> Warnings,
    long? SnapshotVersion);

/// <summary>The configuration could not be loaded at start; <see cref="Exception.Message"/> lists every error.</summary>
public sealed class ConfigurationLoadException : Exception
{
    public ConfigurationLoadException(ConfigurationLoadResult result)
        : base(FormatMessage(result))
    {
        Result = result;
    }

    public ConfigurationLoadResult Result { get; }

    private static string FormatMessage(ConfigurationLoadResult result) =>
        $"the configuration is invalid ({result.Errors.Count} error(s)):{Environment.NewLine}{string.Join(Environment.NewLine, result.Errors)}";
}
