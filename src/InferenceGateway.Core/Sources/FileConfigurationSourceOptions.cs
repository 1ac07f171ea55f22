namespace InferenceGateway.Core.Sources;

/// <summary>Where the file source reads from, which pool it serves, and how it notices changes.</summary>
public sealed class FileConfigurationSourceOptions
{
    /// <summary>A manifest file, or a folder whose *.yaml, *.yml and *.json files are read in ordinal order.</summary>
    public string Path { get; set; } = "";

    /// <summary>The InferencePool to serve; null serves the only pool defined (an error when there are several).</summary>
    public string? PoolName { get; set; }

    /// <summary>Namespace of <see cref="PoolName"/>; null accepts any namespace as long as the name is unambiguous.</summary>
    public string? PoolNamespace { get; set; }

    /// <summary>
    /// API group of <see cref="PoolName"/> (inference.networking.x-k8s.io or inference.networking.k8s.io); null
    /// accepts either as long as the pool is unambiguous.
    /// </summary>
    public string? PoolGroup { get; set; }

    /// <summary>Quiet time after a file-system event before reloading, so a burst of writes loads once.</summary>
    public TimeSpan DebounceInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Safety net behind the watcher (editors replace files atomically, network file systems drop events): the
    /// files are re-read this often and reloaded when their content changed.
    /// </summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Use a FileSystemWatcher; false relies on polling alone.</summary>
    public bool WatchFileSystem { get; set; } = true;

    /// <summary>
    /// When the first load fails, fail host start with <see cref="ConfigurationLoadException"/> (true), or keep
    /// watching with an empty datastore until the files become valid (false).
    /// </summary>
    public bool FailOnInitialLoadError { get; set; } = true;

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Path))
        {
            throw new ArgumentException("a configuration file or folder path is required", nameof(Path));
        }

        if (PoolName is { Length: 0 } || PoolNamespace is { Length: 0 })
        {
            throw new ArgumentException("the pool name and namespace must be null or non-empty", nameof(PoolName));
        }

        if (PoolGroup is { Length: 0 })
        {
            throw new ArgumentException("the pool group must be null or non-empty", nameof(PoolGroup));
        }

        if (DebounceInterval < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(DebounceInterval), DebounceInterval, "must not be negative");
        }

        if (PollInterval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(PollInterval), PollInterval, "must be positive");
        }
    }
}
