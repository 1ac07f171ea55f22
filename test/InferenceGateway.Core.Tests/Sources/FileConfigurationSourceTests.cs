using InferenceGateway.Core.Datastore;
using InferenceGateway.Core.Sources;
using InferenceGateway.TestSupport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace InferenceGateway.Core.Tests.Sources;

public sealed class FileConfigurationSourceTests : IDisposable
{
    private static readonly Dictionary<string, string> AppLlm = new() { ["app"] = "llm" };

    private readonly TempConfigFolder _folder = new();
    private readonly InMemoryDatastore _datastore = new();
    private readonly RecordingLogger<FileConfigurationSource> _logger = new();
    private readonly List<FileConfigurationSource> _started = [];

    public void Dispose()
    {
        foreach (var source in _started)
        {
            source.StopAsync(CancellationToken.None).GetAwaiter().GetResult();
            source.Dispose();
        }

        _folder.Dispose();
    }

    private static string Config(params string[] extraDocuments) => ManifestYaml.Join(
    [
        ManifestYaml.Pool("pool", 8000, selector: AppLlm),
        ManifestYaml.Model("m1", "llama", "pool"),
        ManifestYaml.Pod("pod-1", "127.0.0.2", AppLlm),
        .. extraDocuments,
    ]);

    private FileConfigurationSource Create(string path, TimeProvider? time = null, Action<FileConfigurationSourceOptions>? configure = null)
    {
        var options = new FileConfigurationSourceOptions
        {
            Path = path,
            DebounceInterval = TimeSpan.FromMilliseconds(20),
            PollInterval = TimeSpan.FromHours(1), // tests of the watcher must not pass thanks to the poll
        };
        configure?.Invoke(options);
        return new FileConfigurationSource(options, _datastore, time ?? TimeProvider.System, _logger);
    }

    private async Task<FileConfigurationSource> StartAsync(string path, Action<FileConfigurationSourceOptions>? configure = null)
    {
        var source = Create(path, configure: configure);
        await source.StartAsync(CancellationToken.None);
        _started.Add(source);
        return source;
    }

    private IEnumerable<LogEntry> ErrorLines => _logger.Entries.Where(e => e.EventId.Id == 1003);

    [Fact]
    public void Reload_ValidFile_PublishesSnapshotAndReportsSuccess()
    {
        var path = _folder.WriteAtomically("pool.yaml", Config());
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.Zero));
        var source = Create(path, time);

        var result = source.Reload();

        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        Assert.Equal(time.GetUtcNow(), result.CompletedAt);
        Assert.Equal([path], result.Files);
        Assert.Equal(1, result.SnapshotVersion);
        Assert.Same(result, source.LastSuccessfulLoad);
        var snapshot = _datastore.Current;
        Assert.Equal(1, snapshot.Version);
        Assert.Equal("pool", snapshot.Pool!.Name);
        Assert.Equal("127.0.0.2:8000", Assert.Single(snapshot.Endpoints).Address);
        Assert.Equal("m1", snapshot.Models["llama"].Source.Name);
        Assert.Contains(_logger.Entries, e => e.EventId.Id == 1001 && e.Level == LogLevel.Information);
    }

    [Fact]
    public void Reload_InvalidDocuments_ReportsAndLogsEveryErrorAndPublishesNothing()
    {
        var path = _folder.WriteAtomically("pool.yaml", Config(
            "apiVersion: \"example.com/v1\"\nkind: \"Gadget\"\nmetadata:\n  name: \"g\"\n",
            "kind: \"InferenceModel\"\nmetadata:\n  name: \"no-version\"\n"));
        var source = Create(path);

        var result = source.Reload();

        Assert.False(result.Succeeded);
        Assert.Null(result.SnapshotVersion);
        Assert.Equal(2, result.Errors.Count);
        Assert.Contains(result.Errors, e => e.Contains("pool.yaml", StringComparison.Ordinal) && e.Contains("Gadget", StringComparison.Ordinal));
        Assert.Contains(result.Errors, e => e.Contains("apiVersion", StringComparison.Ordinal));
        Assert.Equal(result.Errors, ErrorLines.Select(e => e.Message["Configuration error: ".Length..]));
        Assert.Contains(_logger.Entries, e => e.EventId.Id == 1002 && e.Message.Contains("no configuration has been loaded yet", StringComparison.Ordinal));
        Assert.Same(DatastoreSnapshot.Empty, _datastore.Current);
        Assert.Null(source.LastSuccessfulLoad);
    }

    [Fact]
    public void Reload_BrokenYaml_FailsWithLineNumber()
    {
        var path = _folder.WriteAtomically("pool.yaml", Config() + "---\nkind: [unclosed\n");

        var result = Create(path).Reload();

        Assert.False(result.Succeeded);
        Assert.Contains("invalid YAML at line", Assert.Single(result.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void Reload_BuilderError_FailsWithItsMessage()
    {
        var path = _folder.WriteAtomically("pool.yaml", Config(ManifestYaml.Pool("second-pool")));

        var result = Create(path).Reload();

        Assert.False(result.Succeeded);
        Assert.Contains("several InferencePools", Assert.Single(result.Errors), StringComparison.Ordinal);
        Assert.Same(DatastoreSnapshot.Empty, _datastore.Current);
    }

    [Fact]
    public void Reload_PoolSelectedByOptions_ServesThatPool()
    {
        var path = _folder.WriteAtomically("pool.yaml", Config(ManifestYaml.Pool("second-pool", 9000, ns: "team")));

        var result = Create(path, configure: o => (o.PoolName, o.PoolNamespace) = ("second-pool", "team")).Reload();

        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        Assert.Equal("team", _datastore.Current.Pool!.Namespace);
        Assert.Empty(_datastore.Current.Models);
    }

    [Fact]
    public void Reload_UnchangedFiles_DoesNotPublishOrReportAgain()
    {
        var path = _folder.WriteAtomically("pool.yaml", Config());
        var source = Create(path);
        var completed = 0;
        source.LoadCompleted += _ => completed++;

        var first = source.Reload();
        var second = source.Reload();

        Assert.Same(first, second);
        Assert.Equal(1, completed);
        Assert.Equal(1, _datastore.Current.Version);
    }

    [Fact]
    public void Reload_MissingPath_Fails()
    {
        var result = Create(_folder.PathOf("absent.yaml")).Reload();

        Assert.False(result.Succeeded);
        Assert.Contains("no such file or folder", Assert.Single(result.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void Reload_FolderWithSeveralFiles_ReadsManifestFilesInOrderAndIgnoresOthers()
    {
        _folder.WriteAtomically("30-pods.json",
            """{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "pod-j", "labels": {"app": "llm"}}, "status": {"podIP": "127.0.0.9", "conditions": [{"type": "Ready", "status": "True"}]}}""");
        _folder.WriteAtomically("10-pool.yaml", ManifestYaml.Pool("pool", 8000, selector: AppLlm));
        _folder.WriteAtomically("20-models.yml", ManifestYaml.Join(ManifestYaml.Model("m1", "llama", "pool"), ManifestYaml.Model("m2", "qwen", "pool")));
        _folder.WriteAtomically("README.md", "not: [a manifest");
        var source = Create(_folder.Path);

        var result = source.Reload();

        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        Assert.Equal(["10-pool.yaml", "20-models.yml", "30-pods.json"], result.Files.Select(Path.GetFileName));
        Assert.Equal(["llama", "qwen"], _datastore.Current.Models.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("127.0.0.9:8000", Assert.Single(_datastore.Current.Endpoints).Address);
    }

    [Fact]
    public void Reload_EmptyFolder_Fails()
    {
        var result = Create(_folder.Path).Reload();

        Assert.False(result.Succeeded);
        Assert.Contains("contains no .yaml, .yml or .json files", Assert.Single(result.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void Reload_SameObjectInTwoFiles_Fails()
    {
        _folder.WriteAtomically("a.yaml", Config());
        _folder.WriteAtomically("b.yaml", ManifestYaml.Model("m1", "other-name", "pool"));

        var result = Create(_folder.Path).Reload();

        Assert.False(result.Succeeded);
        var error = Assert.Single(result.Errors);
        Assert.Contains("InferenceModel default/m1 is already defined in", error, StringComparison.Ordinal);
        Assert.Contains("a.yaml document 2", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Reload_ModelConflictInFile_LoggedAsNotServed()
    {
        var path = _folder.WriteAtomically("pool.yaml", Config(ManifestYaml.Model("m0", "llama", "pool")));

        var result = Create(path).Reload();

        Assert.True(result.Succeeded);
        Assert.Equal("m0", _datastore.Current.Models["llama"].Source.Name); // no timestamps: ordinal order
        var line = Assert.Single(_logger.Entries, e => e.EventId.Id == 1005);
        Assert.Contains("default/m1", line.Message, StringComparison.Ordinal);
        Assert.Contains(ModelConditionReasons.ModelNameConflict, line.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_InitialLoadFails_ThrowsWithEveryError()
    {
        var path = _folder.WriteAtomically("pool.yaml", "apiVersion: \"v1\"\nkind: \"Pod\"\nmetadata:\n  name: \"lonely\"\n");
        var source = Create(path);

        var error = await Assert.ThrowsAsync<ConfigurationLoadException>(() => source.StartAsync(CancellationToken.None));

        Assert.False(error.Result.Succeeded);
        Assert.Contains("no InferencePool found", error.Message, StringComparison.Ordinal);
        source.Dispose();
    }

    [Fact]
    public async Task Watch_GoodEdit_AppliesNewConfiguration()
    {
        var path = _folder.WriteAtomically("pool.yaml", Config());
        var source = await StartAsync(path);
        Assert.Equal(1, _datastore.Current.Version);

        _folder.WriteAtomically("pool.yaml", Config(ManifestYaml.Model("m2", "qwen", "pool"), ManifestYaml.Pod("pod-2", "127.0.0.3", AppLlm)));

        // LastLoad is recorded just after the publish: wait for it, not only for the snapshot.
        await Wait.UntilAsync(() => source.LastLoad is { Succeeded: true, SnapshotVersion: 2 }, "the edit is loaded");
        Assert.True(_datastore.Current.Models.ContainsKey("qwen"));
        Assert.Equal(["127.0.0.2:8000", "127.0.0.3:8000"], _datastore.Current.Endpoints.Select(e => e.Address));
        Assert.Equal(2, _datastore.Current.Version);
    }

    [Fact]
    public async Task Watch_InPlaceWrite_AppliesNewConfiguration()
    {
        var path = _folder.WriteAtomically("pool.yaml", Config());
        await StartAsync(path);

        await File.WriteAllTextAsync(path, Config(ManifestYaml.Model("m2", "qwen", "pool")));

        await Wait.UntilAsync(() => _datastore.Current.Models.ContainsKey("qwen"), "the in-place edit is applied");
    }

    [Fact]
    public async Task Watch_WinnerRemovedFromFile_NextOldestPromoted()
    {
        var older = ManifestYaml.Model("older", "llama", "pool", created: new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var newer = ManifestYaml.Model("newer", "llama", "pool", created: new DateTimeOffset(2025, 6, 1, 0, 0, 0, TimeSpan.Zero));
        var pool = ManifestYaml.Pool("pool", 8000, selector: AppLlm);
        var path = _folder.WriteAtomically("pool.yaml", ManifestYaml.Join(pool, newer, older));
        await StartAsync(path);
        Assert.Equal("older", _datastore.Current.Models["llama"].Source.Name);
        Assert.Equal("newer", Assert.Single(_datastore.Current.Conflicts).Loser.Name);

        _folder.WriteAtomically("pool.yaml", ManifestYaml.Join(pool, newer));

        await Wait.UntilAsync(() => _datastore.Current.Models["llama"].Source.Name == "newer", "the newer model is promoted");
        Assert.Empty(_datastore.Current.Conflicts);
    }

    [Fact]
    public async Task Watch_BadEdit_KeepsLastGoodConfigurationAndReportsErrors()
    {
        var path = _folder.WriteAtomically("pool.yaml", Config());
        var source = await StartAsync(path);
        var good = _datastore.Current;

        _folder.WriteAtomically("pool.yaml", Config("apiVersion: \"v1\"\nkind: \"Pod\"\nmetadata:\n  name: [oops\n"));

        await Wait.UntilAsync(() => source.LastLoad is { Succeeded: false }, "the bad edit is reported");
        var failed = source.LastLoad!;
        Assert.NotEmpty(failed.Errors);
        Assert.Equal(good.Version, failed.SnapshotVersion);
        Assert.Same(good, _datastore.Current);
        Assert.True(source.LastSuccessfulLoad!.Succeeded);
        Assert.NotEmpty(ErrorLines);
        Assert.Contains(_logger.Entries, e => e.EventId.Id == 1002 && e.Message.Contains("stays in force", StringComparison.Ordinal));

        _folder.WriteAtomically("pool.yaml", Config(ManifestYaml.Model("m2", "qwen", "pool")));

        await Wait.UntilAsync(() => source.LastLoad is { Succeeded: true }, "the fixed edit is loaded");
        Assert.True(_datastore.Current.Models.ContainsKey("qwen"));
        Assert.Equal(2, _datastore.Current.Version);
    }

    [Fact]
    public async Task Watch_FileDeletedThenRestored_KeepsConfigurationThroughout()
    {
        var path = _folder.WriteAtomically("pool.yaml", Config());
        var source = await StartAsync(path);
        var good = _datastore.Current;

        _folder.Delete("pool.yaml");

        await Wait.UntilAsync(() => source.LastLoad is { Succeeded: false }, "the deletion is reported");
        Assert.Contains("no such file or folder", Assert.Single(source.LastLoad!.Errors), StringComparison.Ordinal);
        Assert.Same(good, _datastore.Current);

        _folder.WriteAtomically("pool.yaml", Config());

        await Wait.UntilAsync(() => source.LastLoad is { Succeeded: true }, "the restored file is loaded");
        Assert.Same(good, _datastore.Current); // same content as the configuration in force: nothing republished
        Assert.Contains(_logger.Entries, e => e.EventId.Id == 1006);
    }

    [Fact]
    public async Task Watch_FileAddedToFolder_Reloads()
    {
        _folder.WriteAtomically("pool.yaml", Config());
        await StartAsync(_folder.Path);

        _folder.WriteAtomically("more-servers.yaml", ManifestYaml.StaticEndpoints("local", "pool", ["127.0.0.5:8000"], engineType: "sglang"));

        await Wait.UntilAsync(() => _datastore.Current.Endpoints.Length == 2, "the new file's endpoint is added");
        Assert.Equal("sglang", _datastore.Current.Endpoints.Single(e => e.Address == "127.0.0.5:8000").EngineType);
    }

    [Fact]
    public async Task Poll_WithoutWatcher_PicksUpEdit()
    {
        var path = _folder.WriteAtomically("pool.yaml", Config());
        await StartAsync(path, o => (o.WatchFileSystem, o.PollInterval) = (false, TimeSpan.FromMilliseconds(50)));

        _folder.WriteAtomically("pool.yaml", Config(ManifestYaml.Model("m2", "qwen", "pool")));

        await Wait.UntilAsync(() => _datastore.Current.Models.ContainsKey("qwen"), "polling applies the edit");
        Assert.Equal(2, _datastore.Current.Version);
    }

    [Fact]
    public async Task Poll_FakeClock_ReloadsWhenThePollIntervalElapses()
    {
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var time = new FakeTimeProvider(start);
        var path = _folder.WriteAtomically("pool.yaml", Config());
        var source = Create(path, time, o => (o.WatchFileSystem, o.PollInterval) = (false, TimeSpan.FromMinutes(1)));
        await source.StartAsync(CancellationToken.None);
        _started.Add(source);

        _folder.WriteAtomically("pool.yaml", Config(ManifestYaml.Model("m2", "qwen", "pool")));

        await Wait.UntilAsync(() =>
        {
            time.Advance(TimeSpan.FromMinutes(1)); // only the injected clock drives the poll
            return source.LastLoad!.SnapshotVersion == 2;
        }, "the poll on the fake clock applies the edit");
        Assert.True(_datastore.Current.Models.ContainsKey("qwen"));
        Assert.True(source.LastLoad!.CompletedAt >= start.AddMinutes(1));
    }

    [Fact]
    public async Task StartAsync_InitialFailureTolerated_LoadsOnceFileBecomesValid()
    {
        var path = _folder.PathOf("pool.yaml");
        var source = await StartAsync(path, o => (o.FailOnInitialLoadError, o.PollInterval) = (false, TimeSpan.FromMilliseconds(50)));
        Assert.False(source.LastLoad!.Succeeded);
        Assert.False(_datastore.Current.HasPool);

        _folder.WriteAtomically("pool.yaml", Config());

        await Wait.UntilAsync(() => source.LastLoad is { Succeeded: true }, "the configuration is loaded once it appears");
        Assert.True(_datastore.Current.HasPool);
    }
}
