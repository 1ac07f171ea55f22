using System.Threading.Channels;
using InferenceGateway.Core.Datastore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace InferenceGateway.Core.Sources;

/// <summary>
/// Keeps the datastore in step with manifest files (no Kubernetes): loads them at start, then reloads on every
/// change seen by a FileSystemWatcher (debounced) or by a periodic content check (the safety net for atomic
/// replaces and lost events). An invalid edit, a builder error or a deleted file is logged line by line and the
/// last good configuration stays in force. <see cref="LastLoad"/> tells status and health how the last attempt went.
/// </summary>
public sealed class FileConfigurationSource : BackgroundService
{
    private readonly FileConfigurationSourceOptions _options;
    private readonly InMemoryDatastore _datastore;
    private readonly TimeProvider _time;
    private readonly ILogger<FileConfigurationSource> _logger;
    private readonly Lock _loadGate = new();
    private readonly Channel<bool> _changeSignals = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    private FileSystemWatcher? _watcher;
    private ConfigurationLoadResult? _lastLoad;
    private ConfigurationLoadResult? _lastSuccessfulLoad;
    private ulong? _lastAttemptFingerprint;
    private ulong? _lastGoodFingerprint;

    public FileConfigurationSource(
        FileConfigurationSourceOptions options,
        InMemoryDatastore datastore,
        TimeProvider time,
        ILogger<FileConfigurationSource> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _datastore = datastore;
        _time = time;
        _logger = logger;
    }

    /// <summary>
    /// The most recent load attempt that found something new (null before the first). Recorded just after the
    /// snapshot is published, so a datastore Changed handler still sees the previous attempt here.
    /// </summary>
    public ConfigurationLoadResult? LastLoad => Volatile.Read(ref _lastLoad);

    /// <summary>The load whose configuration is in force (null while none has succeeded).</summary>
    public ConfigurationLoadResult? LastSuccessfulLoad => Volatile.Read(ref _lastSuccessfulLoad);

    /// <summary>Raised after each load attempt that read changed files (success or failure).</summary>
    public event Action<ConfigurationLoadResult>? LoadCompleted;

    /// <summary>
    /// Reads the files now and, when they changed and are valid, publishes the new snapshot. Unchanged files return
    /// the previous result without logging or publishing. Safe to call from any thread.
    /// </summary>
    public ConfigurationLoadResult Reload()
    {
        ConfigurationLoadResult result;
        lock (_loadGate)
        {
            var raw = ManifestFileSet.ReadRaw(_options.Path);
            if (_lastLoad is not null && raw.Fingerprint == _lastAttemptFingerprint)
            {
                return _lastLoad;
            }

            _lastAttemptFingerprint = raw.Fingerprint;
            var files = ManifestFileSet.Parse(raw);
            result = files.Errors.Count > 0 ? Fail(files.Files, files.Errors, []) : Apply(files);
            Volatile.Write(ref _lastLoad, result);
        }

        LoadCompleted?.Invoke(result);
        return result;
    }

    /// <summary>
    /// Starts watching and loads the configuration; a failed load fails start (with every error in the exception)
    /// when <see cref="FileConfigurationSourceOptions.FailOnInitialLoadError"/> is on.
    /// </summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        // Watch first: an edit made while the first load runs is then noticed, not missed until the next poll.
        StartWatching();
        var initial = Reload();
        if (!initial.Succeeded && _options.FailOnInitialLoadError)
        {
            StopWatching();
            throw new ConfigurationLoadException(initial);
        }

        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        StopWatching();
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    public override void Dispose()
    {
        StopWatching();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                if (await WaitForChangeSignalAsync(stoppingToken).ConfigureAwait(false))
                {
                    // Let a burst of events (write, rename, chmod) settle, then load once.
                    await Task.Delay(_options.DebounceInterval, _time, stoppingToken).ConfigureAwait(false);
                    while (_changeSignals.Reader.TryRead(out _))
                    {
                    }
                }

                Reload();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <returns>True when the watcher signalled; false when the poll interval elapsed.</returns>
    private async Task<bool> WaitForChangeSignalAsync(CancellationToken stoppingToken)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var signal = _changeSignals.Reader.WaitToReadAsync(wait.Token).AsTask();
        var poll = Task.Delay(_options.PollInterval, _time, wait.Token);
        var first = await Task.WhenAny(signal, poll).ConfigureAwait(false);
        await wait.CancelAsync().ConfigureAwait(false);
        stoppingToken.ThrowIfCancellationRequested();
        return first == signal && signal.IsCompletedSuccessfully;
    }

    private ConfigurationLoadResult Apply(ManifestFileSet files)
    {
        var build = SnapshotBuilder.Build(files.Inputs, new PoolSelection(_options.PoolName, _options.PoolNamespace) { Group = _options.PoolGroup });
        foreach (var warning in build.Warnings)
        {
            FileConfigurationSourceLog.ConfigurationWarning(_logger, warning);
        }

        if (build.Snapshot is null)
        {
            return Fail(files.Files, build.Errors, build.Warnings);
        }

        long version;
        if (files.Fingerprint == _lastGoodFingerprint)
        {
            // Back to the content in force (e.g. a deleted file restored): nothing to publish.
            version = _datastore.Current.Version;
            FileConfigurationSourceLog.ConfigurationRestored(_logger, _options.Path, version);
        }
        else
        {
            version = Publish(build.Snapshot);
            var snapshot = build.Snapshot;
            FileConfigurationSourceLog.ConfigurationLoaded(_logger, _options.Path, $"{snapshot.Pool!.Namespace}/{snapshot.Pool.Name}",
                snapshot.Endpoints.Length, snapshot.Models.Count, snapshot.Conflicts.Length, version);
            foreach (var conflict in snapshot.Conflicts)
            {
                FileConfigurationSourceLog.ModelNotServed(_logger, conflict.Loser.ToString(), conflict.Reason, conflict.Message);
            }
        }

        _lastGoodFingerprint = files.Fingerprint;
        var result = new ConfigurationLoadResult(true, _time.GetUtcNow(), files.Files, [], build.Warnings, version);
        Volatile.Write(ref _lastSuccessfulLoad, result);
        return result;
    }

    private long Publish(DatastoreSnapshot snapshot)
    {
        try
        {
            return _datastore.Publish(snapshot).Version;
        }
        catch (AggregateException e)
        {
            // The snapshot is in force; a failing subscriber is its own bug, not a bad configuration.
            FileConfigurationSourceLog.ChangedHandlerFailed(_logger, e);
            return _datastore.Current.Version;
        }
    }

    private ConfigurationLoadResult Fail(IReadOnlyList<string> files, IReadOnlyList<string> errors, IReadOnlyList<string> warnings)
    {
        var good = _lastSuccessfulLoad;
        FileConfigurationSourceLog.ConfigurationInvalid(_logger, _options.Path, errors.Count,
            good is null ? "no configuration has been loaded yet" : $"the last good configuration (snapshot version {good.SnapshotVersion}) stays in force");
        foreach (var error in errors)
        {
            FileConfigurationSourceLog.ConfigurationError(_logger, error);
        }

        return new ConfigurationLoadResult(false, _time.GetUtcNow(), files, errors, warnings, good?.SnapshotVersion);
    }

    private void StartWatching()
    {
        if (!_options.WatchFileSystem || _watcher is not null)
        {
            return;
        }

        var path = Path.GetFullPath(_options.Path);
        var isFolder = Directory.Exists(path);
        var folder = isFolder ? path : Path.GetDirectoryName(path);
        var fileName = isFolder ? null : Path.GetFileName(path);
        if (folder is null || !Directory.Exists(folder))
        {
            FileConfigurationSourceLog.WatcherUnavailable(_logger, path, "the folder does not exist", _options.PollInterval);
            return;
        }

        try
        {
            var watcher = new FileSystemWatcher(folder)
            {
                IncludeSubdirectories = false,
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.CreationTime,
            };
            void OnEvent(object sender, FileSystemEventArgs e)
            {
                if (fileName is null
                    || string.Equals(e.Name, fileName, StringComparison.Ordinal)
                    || (e is RenamedEventArgs renamed && string.Equals(renamed.OldName, fileName, StringComparison.Ordinal)))
                {
                    _changeSignals.Writer.TryWrite(true);
                }
            }

            watcher.Changed += OnEvent;
            watcher.Created += OnEvent;
            watcher.Deleted += OnEvent;
            watcher.Renamed += OnEvent;
            watcher.Error += (_, e) =>
            {
                FileConfigurationSourceLog.WatcherError(_logger, path, e.GetException().Message);
                _changeSignals.Writer.TryWrite(true);
            };
            watcher.EnableRaisingEvents = true;
            _watcher = watcher;
        }
        catch (Exception e) when (e is IOException or ArgumentException or PlatformNotSupportedException or UnauthorizedAccessException)
        {
            // E.g. the inotify instance limit: polling still keeps the configuration current.
            FileConfigurationSourceLog.WatcherUnavailable(_logger, path, e.Message, _options.PollInterval);
        }
    }

    private void StopWatching()
    {
        var watcher = Interlocked.Exchange(ref _watcher, null);
        watcher?.Dispose();
    }
}

internal static partial class FileConfigurationSourceLog
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Information,
        Message = "Loaded configuration from {Path}: pool {Pool}, {EndpointCount} endpoint(s), {ModelCount} model(s), {ConflictCount} model(s) not served (snapshot version {Version})")]
    public static partial void ConfigurationLoaded(ILogger logger, string path, string pool, int endpointCount, int modelCount, int conflictCount, long version);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Error, Message = "Configuration at {Path} is invalid ({ErrorCount} error(s)); {Outcome}")]
    public static partial void ConfigurationInvalid(ILogger logger, string path, int errorCount, string outcome);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Error, Message = "Configuration error: {Error}")]
    public static partial void ConfigurationError(ILogger logger, string error);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "Configuration warning: {Warning}")]
    public static partial void ConfigurationWarning(ILogger logger, string warning);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Warning, Message = "InferenceModel {Model} is not served ({Reason}): {Message}")]
    public static partial void ModelNotServed(ILogger logger, string model, string reason, string message);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Information, Message = "Configuration at {Path} is valid again and unchanged from the one in force (snapshot version {Version})")]
    public static partial void ConfigurationRestored(ILogger logger, string path, long version);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Warning, Message = "Cannot watch {Path} for changes ({Reason}); polling every {PollInterval} instead")]
    public static partial void WatcherUnavailable(ILogger logger, string path, string reason, TimeSpan pollInterval);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Warning, Message = "File watcher for {Path} failed ({Message}); polling continues")]
    public static partial void WatcherError(ILogger logger, string path, string message);

    [LoggerMessage(EventId = 1009, Level = LogLevel.Error, Message = "A datastore Changed handler failed after publishing the new configuration")]
    public static partial void ChangedHandlerFailed(ILogger logger, Exception exception);
}
