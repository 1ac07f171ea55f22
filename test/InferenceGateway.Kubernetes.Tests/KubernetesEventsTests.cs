using System.Net;
using System.Text.Json.Nodes;
using InferenceGateway.Core.Datastore;
using InferenceGateway.TestSupport;
using InferenceGateway.TestSupport.Kubernetes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using static InferenceGateway.Kubernetes.Tests.KubernetesTestCluster;

namespace InferenceGateway.Kubernetes.Tests;

/// <summary>events.k8s.io/v1 Events: the recorder against the fake API server, and the controller's transition events.</summary>
public sealed class KubernetesEventsTests
{
    private static readonly Dictionary<string, string> LlamaLabels = new() { ["app"] = "vllm-llama" };

    private static readonly EventReference SomeModel = new("inference.networking.x-k8s.io/v1alpha1", "InferenceModel", Namespace, "chat", "uid-chat");

    // ---- The recorder ----

    [Fact]
    public async Task Warning_FirstOccurrence_PostsEventsV1EventWithAllFields()
    {
        await using var cluster = await KubernetesTestCluster.StartAsync();
        await using var recorder = await StartRecorderAsync(cluster, new EventRecorderOptions());

        recorder.Recorder.Warning(SomeModel, "ModelNameConflict", "Reconcile", "modelName \"chat\" is taken by serving/older");

        await Wait.UntilAsync(() => cluster.Server.StoredEvents.Count == 1, "the event was created");
        var e = cluster.Server.StoredEvents[0];
        Assert.Equal("events.k8s.io/v1", e["apiVersion"]!.GetValue<string>());
        Assert.Equal("Event", e["kind"]!.GetValue<string>());
        Assert.Equal(Namespace, e["metadata"]!["namespace"]!.GetValue<string>());
        Assert.StartsWith("chat.", e["metadata"]!["name"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("Warning", e["type"]!.GetValue<string>());
        Assert.Equal("ModelNameConflict", e["reason"]!.GetValue<string>());
        Assert.Equal("Reconcile", e["action"]!.GetValue<string>());
        Assert.Equal("modelName \"chat\" is taken by serving/older", e["note"]!.GetValue<string>());
        Assert.Equal(EventRecorderOptions.DefaultReportingController, e["reportingController"]!.GetValue<string>());
        Assert.Equal("replica-a", e["reportingInstance"]!.GetValue<string>());
        Assert.Equal("2025-06-01T12:00:00.123456Z", e["eventTime"]!.GetValue<string>());
        var regarding = e["regarding"]!;
        Assert.Equal(
            ("inference.networking.x-k8s.io/v1alpha1", "InferenceModel", Namespace, "chat", "uid-chat"),
            (regarding["apiVersion"]!.GetValue<string>(), regarding["kind"]!.GetValue<string>(), regarding["namespace"]!.GetValue<string>(),
                regarding["name"]!.GetValue<string>(), regarding["uid"]!.GetValue<string>()));
        Assert.Null(e["series"]);
    }

    [Fact]
    public async Task Record_RepeatWithinWindow_NotPostedAgainButCountedIntoSeries()
    {
        await using var cluster = await KubernetesTestCluster.StartAsync();
        await using var recorder = await StartRecorderAsync(cluster, new EventRecorderOptions { SeriesUpdateInterval = TimeSpan.Zero });
        recorder.Recorder.Warning(SomeModel, "NoReadyEndpoints", "Reconcile", "0 ready endpoints");
        await Wait.UntilAsync(() => cluster.Server.EventCreateCount == 1, "the first occurrence was created");

        recorder.Time.Advance(TimeSpan.FromSeconds(5));
        recorder.Recorder.Warning(SomeModel, "NoReadyEndpoints", "Reconcile", "0 ready endpoints");

        await Wait.UntilAsync(() => cluster.Server.StoredEvents[0]["series"] is not null, "the repeat updated the series");
        var series = cluster.Server.StoredEvents[0]["series"]!;
        Assert.Equal(2, series["count"]!.GetValue<int>());
        Assert.Equal("2025-06-01T12:00:05.123456Z", series["lastObservedTime"]!.GetValue<string>());
        Assert.Equal(1, cluster.Server.EventCreateCount);
        Assert.Single(cluster.Server.StoredEvents);
    }

    [Fact]
    public async Task Record_RepeatWithinSeriesInterval_OnlyCounted()
    {
        await using var cluster = await KubernetesTestCluster.StartAsync();
        await using var recorder = await StartRecorderAsync(cluster, new EventRecorderOptions());
        recorder.Recorder.Warning(SomeModel, "NoReadyEndpoints", "Reconcile", "0 ready endpoints");
        await Wait.UntilAsync(() => cluster.Server.EventCreateCount == 1, "the first occurrence was created");

        recorder.Recorder.Warning(SomeModel, "NoReadyEndpoints", "Reconcile", "0 ready endpoints");
        await FlushAsync(cluster, recorder.Recorder);

        Assert.Equal(0, cluster.Server.EventPatchCount);
        Assert.Equal(2, cluster.Server.EventCreateCount); // the first one and the sentinel
    }

    [Fact]
    public async Task Record_AfterTheWindow_PostsANewEvent()
    {
        await using var cluster = await KubernetesTestCluster.StartAsync();
        await using var recorder = await StartRecorderAsync(cluster, new EventRecorderOptions { DedupWindow = TimeSpan.FromMinutes(10) });
        recorder.Recorder.Normal(SomeModel, "Accepted", "Reconcile", "served");
        await Wait.UntilAsync(() => cluster.Server.EventCreateCount == 1, "the first occurrence was created");

        recorder.Time.Advance(TimeSpan.FromMinutes(11));
        recorder.Recorder.Normal(SomeModel, "Accepted", "Reconcile", "served");

        await Wait.UntilAsync(() => cluster.Server.EventCreateCount == 2, "a second event after the quiet window");
        Assert.Equal(0, cluster.Server.EventPatchCount);
    }

    [Fact]
    public async Task Record_MoreDistinctEventsThanTracked_LeastRecentForgottenAndPostedAgain()
    {
        await using var cluster = await KubernetesTestCluster.StartAsync();
        await using var recorder = await StartRecorderAsync(cluster, new EventRecorderOptions { MaxTracked = 1 });

        recorder.Recorder.Warning(SomeModel, "InvalidPool", "Reconcile", "a");
        recorder.Recorder.Warning(SomeModel, "InvalidPool", "Reconcile", "b");
        recorder.Recorder.Warning(SomeModel, "InvalidPool", "Reconcile", "b");
        recorder.Recorder.Warning(SomeModel, "InvalidPool", "Reconcile", "a");

        await Wait.UntilAsync(() => cluster.Server.EventCreateCount == 3, "a, b and a again were created");
        Assert.Equal(["a", "b", "a"], cluster.Server.StoredEvents.Select(e => e["note"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Record_ServerForbids_DroppedOnceAndNotRetriedWithinTheWindow()
    {
        await using var cluster = await KubernetesTestCluster.StartAsync();
        cluster.Server.EventWriteFailure = HttpStatusCode.Forbidden;
        await using var recorder = await StartRecorderAsync(cluster, new EventRecorderOptions { SeriesUpdateInterval = TimeSpan.Zero });

        recorder.Recorder.Warning(SomeModel, "NoReadyEndpoints", "Reconcile", "0 ready endpoints");
        await Wait.UntilAsync(() => recorder.Recorder.FailedCount == 1, "the POST was refused");
        recorder.Recorder.Warning(SomeModel, "NoReadyEndpoints", "Reconcile", "0 ready endpoints");
        cluster.Server.EventWriteFailure = null;
        await FlushAsync(cluster, recorder.Recorder);

        Assert.Equal(1, cluster.Server.RefusedEventWriteCount); // the repeat neither posted nor patched a never-created event
        Assert.Equal(1, cluster.Server.EventCreateCount); // the sentinel
        Assert.Equal(0, cluster.Server.EventPatchCount);
    }

    [Fact]
    public async Task Record_ServerForbadeThenAllows_RepeatAfterTheRetryIntervalPosts()
    {
        // RBAC applied together with the new pod: the first POSTs are refused, and a condition that keeps recurring
        // must still be reported once the rule is in place, not only after a quiet dedup window.
        await using var cluster = await KubernetesTestCluster.StartAsync();
        cluster.Server.EventWriteFailure = HttpStatusCode.Forbidden;
        await using var recorder = await StartRecorderAsync(cluster, new EventRecorderOptions { CreateRetryInterval = TimeSpan.FromMinutes(1) });

        recorder.Recorder.Warning(SomeModel, "NoReadyEndpoints", "Reconcile", "0 ready endpoints");
        await Wait.UntilAsync(() => recorder.Recorder.FailedCount == 1, "the POST was refused");
        cluster.Server.EventWriteFailure = null;
        recorder.Time.Advance(TimeSpan.FromSeconds(61));
        recorder.Recorder.Warning(SomeModel, "NoReadyEndpoints", "Reconcile", "0 ready endpoints");

        await Wait.UntilAsync(
            () => cluster.Server.StoredEvents.Any(e => e["reason"]?.GetValue<string>() == "NoReadyEndpoints"),
            "the repeat after the retry interval posted the event");
        Assert.Equal(1, cluster.Server.RefusedEventWriteCount);
    }

    [Fact]
    public async Task Record_ServerFails_RecordReturnsAndLaterEventsStillGoOut()
    {
        await using var cluster = await KubernetesTestCluster.StartAsync();
        cluster.Server.EventWriteFailure = HttpStatusCode.InternalServerError;
        await using var recorder = await StartRecorderAsync(cluster, new EventRecorderOptions());

        recorder.Recorder.Warning(SomeModel, "InvalidPool", "Reconcile", "one");
        recorder.Recorder.Warning(SomeModel, "InvalidPool", "Reconcile", "two");
        await Wait.UntilAsync(() => recorder.Recorder.FailedCount == 2, "both POSTs failed");
        cluster.Server.EventWriteFailure = null;
        recorder.Recorder.Normal(SomeModel, "Ready", "Reconcile", "three");

        await Wait.UntilAsync(() => cluster.Server.EventCreateCount == 1, "the next event was created");
        Assert.Equal("three", cluster.Server.StoredEvents[0]["note"]!.GetValue<string>());
    }

    [Fact]
    public async Task Record_UnexpectedResponse_SenderKeepsRunning()
    {
        // An answer the recorder does not expect (a proxy, a webhook, a broken server: here a 201 with a JSON array)
        // must be logged and dropped like any other failure, not fault the background sender: a faulted
        // BackgroundService stops the whole host (BackgroundServiceExceptionBehavior.StopHost).
        // A raw HTTP/1.1 server on a port the OS picks: every request is answered 201 with a JSON array.
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var posts = 0;
        using var stop = new CancellationTokenSource();
        var serve = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                System.Net.Sockets.TcpClient client;
                try
                {
                    client = await listener.AcceptTcpClientAsync(stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                using (client)
                {
                    var stream = client.GetStream();
                    var head = await ReadHeadAsync(stream, stop.Token);
                    var length = ContentLength(head);
                    var body = new byte[length];
                    await stream.ReadExactlyAsync(body, stop.Token);
                    Interlocked.Increment(ref posts);
                    var answer = "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n[]"u8.ToArray();
                    await stream.WriteAsync(answer, stop.Token);
                }
            }
        });
        var folder = Directory.CreateTempSubdirectory().FullName;
        var kubeconfig = Path.Combine(folder, "kubeconfig");
        await File.WriteAllTextAsync(kubeconfig, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: odd
              cluster:
                server: "http://127.0.0.1:{port}"
            users:
            - name: tester
              user:
                token: "t"
            contexts:
            - name: odd
              context:
                cluster: odd
                user: tester
            current-context: odd
            """);
        using var api = new KubernetesApiClient(KubernetesApiClient.LoadConfiguration(kubeconfig, null), "replica-a");
        using var recorder = new KubernetesEventRecorder(api, new EventRecorderOptions { ReportingInstance = "replica-a" },
            TimeProvider.System, NullLogger<KubernetesEventRecorder>.Instance);
        await recorder.StartAsync(CancellationToken.None);

        recorder.Warning(SomeModel, "InvalidPool", "Reconcile", "one");
        await Wait.UntilAsync(() => Volatile.Read(ref posts) == 1 && (recorder.ExecuteTask!.IsCompleted || recorder.FailedCount + recorder.SentCount == 1), "the POST was answered");
        recorder.Warning(SomeModel, "InvalidPool", "Reconcile", "two");
        await Wait.UntilAsync(() => recorder.ExecuteTask!.IsCompleted || recorder.FailedCount + recorder.SentCount == 2, "the second POST was answered");

        Assert.False(recorder.ExecuteTask!.IsFaulted, recorder.ExecuteTask.Exception?.ToString());
        Assert.Equal(2, Volatile.Read(ref posts));
        await recorder.StopAsync(CancellationToken.None);
        await stop.CancelAsync();
        await serve;
    }

    private static async Task<string> ReadHeadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var head = new List<byte>();
        var one = new byte[1];
        while (!(head.Count >= 4 && head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n'))
        {
            if (await stream.ReadAsync(one, cancellationToken) == 0)
            {
                break;
            }

            head.Add(one[0]);
        }

        return System.Text.Encoding.ASCII.GetString([.. head]);
    }

    private static int ContentLength(string head)
    {
        foreach (var line in head.Split("\r\n"))
        {
            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
            {
                return int.Parse(line["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }

    [Fact]
    public async Task Record_QueueFull_DropsWithoutBlocking()
    {
        await using var cluster = await KubernetesTestCluster.StartAsync();
        using var api = new KubernetesApiClient(KubernetesApiClient.LoadConfiguration(cluster.KubeconfigPath, null), "replica-a");
        using var recorder = new KubernetesEventRecorder(api, new EventRecorderOptions { QueueCapacity = 2, ReportingInstance = "replica-a" },
            TimeProvider.System, NullLogger<KubernetesEventRecorder>.Instance); // not started: nothing drains the queue

        for (var i = 0; i < 5; i++)
        {
            recorder.Warning(SomeModel, "InvalidPool", "Reconcile", $"problem {i}");
        }

        Assert.Equal(3, recorder.DroppedCount);
    }

    [Fact]
    public async Task Record_QueueOverflowsAgainAfterDraining_WarnsOncePerOverflow()
    {
        await using var cluster = await KubernetesTestCluster.StartAsync();
        using var api = new KubernetesApiClient(KubernetesApiClient.LoadConfiguration(cluster.KubeconfigPath, null), "replica-a");
        var logger = new RecordingLogger<KubernetesEventRecorder>();
        using var recorder = new KubernetesEventRecorder(api, new EventRecorderOptions { QueueCapacity = 2, ReportingInstance = "replica-a" },
            TimeProvider.System, logger); // not started yet: nothing drains the queue
        const int QueueFull = 2021;

        for (var i = 0; i < 5; i++)
        {
            recorder.Warning(SomeModel, "InvalidPool", "Reconcile", $"first {i}");
        }

        Assert.Equal(3, recorder.DroppedCount);
        Assert.Equal(1, logger.Count(QueueFull)); // one warning for the whole overflow

        await recorder.StartAsync(CancellationToken.None);
        await Wait.UntilAsync(() => recorder.SentCount == 2 && recorder.QueuedCount == 0, "the queue drained");
        await recorder.StopAsync(CancellationToken.None); // nothing drains the queue again
        for (var i = 0; i < 5; i++)
        {
            recorder.Warning(SomeModel, "InvalidPool", "Reconcile", $"second {i}");
        }

        Assert.Equal(6, recorder.DroppedCount);
        Assert.Equal(2, logger.Count(QueueFull)); // the second overflow is news again
        Assert.All(logger.Entries.Where(e => e.EventId.Id == QueueFull), e => Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Warning, e.Level));
    }

    [Fact]
    public async Task DropQueued_QueueFullWhenLeadershipLost_StoppedLeadingStillQueuedAndSent()
    {
        // Behind a slow API server the queue can be full when leadership goes: the dropped events must make room for
        // "stopped leading", not keep taking up the queue until the sender skips them.
        await using var cluster = await KubernetesTestCluster.StartAsync();
        using var api = new KubernetesApiClient(KubernetesApiClient.LoadConfiguration(cluster.KubeconfigPath, null), "replica-a");
        using var recorder = new KubernetesEventRecorder(api, new EventRecorderOptions { QueueCapacity = 2, ReportingInstance = "replica-a" },
            TimeProvider.System, NullLogger<KubernetesEventRecorder>.Instance); // not started yet: nothing drains the queue
        var lease = new EventReference("coordination.k8s.io/v1", "Lease", Namespace, $"{PoolName}-epp-leader", null);
        recorder.Warning(SomeModel, "NoReadyEndpoints", "Reconcile", "0 ready endpoints");
        recorder.Warning(SomeModel, "ModelNameConflict", "Reconcile", "modelName \"chat\" is taken");

        recorder.DropQueued(lease);
        recorder.Normal(lease, LeaseLeadership.LeaderElectionReason, "Release", "replica-a stopped leading");

        Assert.Equal(0, recorder.DroppedCount);
        Assert.Equal(2, recorder.DiscardedCount);
        await recorder.StartAsync(CancellationToken.None);
        await Wait.UntilAsync(() => cluster.Server.EventCreateCount == 1 && recorder.QueuedCount == 0, "the queue drained");
        Assert.Equal(["replica-a stopped leading"], cluster.Server.StoredEvents.Select(e => e["note"]!.GetValue<string>()));
        await recorder.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task DropQueued_EventsStillQueued_DroppedExceptThoseAboutTheKeptObject()
    {
        await using var cluster = await KubernetesTestCluster.StartAsync();
        using var api = new KubernetesApiClient(KubernetesApiClient.LoadConfiguration(cluster.KubeconfigPath, null), "replica-a");
        using var recorder = new KubernetesEventRecorder(api, new EventRecorderOptions { ReportingInstance = "replica-a" },
            TimeProvider.System, NullLogger<KubernetesEventRecorder>.Instance); // not started yet: everything stays queued
        var lease = new EventReference("coordination.k8s.io/v1", "Lease", Namespace, $"{PoolName}-epp-leader", null);
        recorder.Normal(lease, LeaseLeadership.LeaderElectionReason, "Acquire", "replica-a became leader");
        recorder.Warning(SomeModel, "NoReadyEndpoints", "Reconcile", "0 ready endpoints");

        recorder.DropQueued(lease);
        recorder.Normal(lease, LeaseLeadership.LeaderElectionReason, "Release", "replica-a stopped leading");
        await recorder.StartAsync(CancellationToken.None);
        // A dropped event was never posted, so it is not deduplicated away when it is recorded again.
        recorder.Warning(SomeModel, "NoReadyEndpoints", "Reconcile", "0 ready endpoints");

        await Wait.UntilAsync(() => cluster.Server.EventCreateCount == 3, "three events were created");
        Assert.Equal(
            ["replica-a became leader", "replica-a stopped leading", "0 ready endpoints"],
            cluster.Server.StoredEvents.Select(e => e["note"]!.GetValue<string>()));
        Assert.Equal(1, recorder.DiscardedCount);
        await recorder.StopAsync(CancellationToken.None);
    }

    [Fact]
    public void CutNote_LongerThanOneKilobyte_CutToOneKilobyteOfUtf8WithMarker()
    {
        var note = new string('é', 900); // 1800 UTF-8 bytes

        var cut = KubernetesEventRecorder.CutNote(note);

        Assert.True(System.Text.Encoding.UTF8.GetByteCount(cut) <= KubernetesEventRecorder.MaxNoteBytes);
        Assert.EndsWith("...", cut, StringComparison.Ordinal);
        Assert.Equal(1021 / 2, cut.Length - 3);
        Assert.Equal("short", KubernetesEventRecorder.CutNote("short"));
    }

    [Fact]
    public async Task Warning_LongNoteAndLongObjectName_AcceptedByTheServer()
    {
        await using var cluster = await KubernetesTestCluster.StartAsync();
        await using var recorder = await StartRecorderAsync(cluster, new EventRecorderOptions());
        var longName = new string('m', 250);

        recorder.Recorder.Warning(SomeModel with { Name = longName }, "InvalidPool", "Reconcile", new string('x', 5000));

        await Wait.UntilAsync(() => cluster.Server.EventCreateCount == 1, "the event was created");
        var e = cluster.Server.StoredEvents[0];
        Assert.True(e["metadata"]!["name"]!.GetValue<string>().Length <= 253);
        Assert.Equal(1024, e["note"]!.GetValue<string>().Length);
    }

    // ---- The controller ----

    [Fact]
    public async Task RejectedModel_NameConflict_WarningEventRegardingTheLoser()
    {
        await using var cluster = await KubernetesTestCluster.StartAsync();
        ApplyPoolAndPod(cluster, ready: "True");
        ApplyModel(cluster, "chat", "chat", "2025-01-01T00:00:00Z");
        ApplyModel(cluster, "chat-new", "chat", "2025-02-01T00:00:00Z");

        await cluster.StartReplicaAsync();

        await Wait.UntilAsync(() => EventsAbout(cluster, "InferenceModel", "chat-new").Any(), "an event about the rejected model");
        var e = Assert.Single(EventsAbout(cluster, "InferenceModel", "chat-new"));
        Assert.Equal(("Warning", ModelConditionReasons.ModelNameConflict), (e["type"]!.GetValue<string>(), e["reason"]!.GetValue<string>()));
        Assert.Contains("chat", e["note"]!.GetValue<string>(), StringComparison.Ordinal);
        var regarding = e["regarding"]!;
        Assert.Equal("inference.networking.x-k8s.io/v1alpha1", regarding["apiVersion"]!.GetValue<string>());
        Assert.Equal(cluster.Server.Get("inferencemodels", Namespace, "chat-new")!["metadata"]!["uid"]!.GetValue<string>(), regarding["uid"]!.GetValue<string>());
        Assert.Equal("replica-a", e["reportingInstance"]!.GetValue<string>());

        // The winner is reported as accepted.
        await Wait.UntilAsync(() => EventsAbout(cluster, "InferenceModel", "chat").Any(), "an event about the accepted model");
        Assert.Equal(("Normal", StatusConditionNames.ReasonAccepted), Kind(Assert.Single(EventsAbout(cluster, "InferenceModel", "chat"))));
    }

    [Fact]
    public async Task RepeatedReconciles_SameDecisions_NoEventPostedAgain()
    {
        await using var cluster = await KubernetesTestCluster.StartAsync();
        ApplyPoolAndPod(cluster, ready: "True");
        ApplyModel(cluster, "chat", "chat", "2025-01-01T00:00:00Z");
        ApplyModel(cluster, "chat-new", "chat", "2025-02-01T00:00:00Z");
        // No deduplication in the recorder: only the controller's transition tracking keeps repeats out.
        var replica = await cluster.StartReplicaAsync(events: new EventRecorderOptions { DedupWindow = TimeSpan.FromTicks(1) });
        await Wait.UntilAsync(() => EventsAbout(cluster, "InferenceModel", "chat-new").Any(), "the rejection event");

        for (var i = 0; i < 3; i++)
        {
            var passes = replica.Source.ReconcileCount;
            cluster.Server.Modify("pods", Namespace, "vllm-0", p => p["metadata"]!["labels"]!["round"] = $"r{i}");
            await Wait.UntilAsync(() => replica.Current.Endpoints.Length == 1 && replica.Current.Endpoints[0].Labels.GetValueOrDefault("round") == $"r{i}"
                && replica.Source.ReconcileCount > passes, "a reconcile pass saw the change");
        }

        await FlushAsync(cluster, replica.Events);
        Assert.Single(EventsAbout(cluster, "InferenceModel", "chat-new"));
        Assert.Single(EventsAbout(cluster, "InferenceModel", "chat"));
        Assert.Single(EventsAbout(cluster, "InferencePool", PoolName));
        Assert.Equal(0, cluster.Server.EventPatchCount);
    }

    [Fact]
    public async Task EventsForbidden_StatusStillWrittenAndReconcileGoesOn()
    {
        await using var cluster = await KubernetesTestCluster.StartAsync();
        cluster.Server.EventWriteFailure = HttpStatusCode.Forbidden;
        ApplyPoolAndPod(cluster, ready: "True");
        ApplyModel(cluster, "chat", "chat", "2025-01-01T00:00:00Z");
        ApplyModel(cluster, "chat-new", "chat", "2025-02-01T00:00:00Z");

        var replica = await cluster.StartReplicaAsync();

        await Wait.UntilAsync(() => Condition(cluster, "inferencemodels", "chat-new")?["reason"]?.GetValue<string>() == ModelConditionReasons.ModelNameConflict,
            "the rejection was written to status");
        await Wait.UntilAsync(() => cluster.Server.RefusedEventWriteCount >= 3, "the pool and model events were refused");

        // Reconciliation goes on: deleting the winner promotes the loser, in the snapshot and in its status.
        cluster.Server.Delete("inferencemodels", Namespace, "chat");
        await Wait.UntilAsync(() => replica.Current.Models.TryGetValue("chat", out var route) && route.Source.Name == "chat-new", "chat-new serves chat");
        await Wait.UntilAsync(() => Condition(cluster, "inferencemodels", "chat-new")?["reason"]?.GetValue<string>() == StatusConditionNames.ReasonAccepted,
            "chat-new's status says Accepted");
        Assert.Empty(cluster.Server.StoredEvents);
    }

    [Fact]
    public async Task PoolWithoutReadyPods_ThenPodReady_WarningThenNormalEvent()
    {
        await using var cluster = await KubernetesTestCluster.StartAsync();
        ApplyPoolAndPod(cluster, ready: "False");
        var replica = await cluster.StartReplicaAsync();
        await Wait.UntilAsync(() => EventsAbout(cluster, "InferencePool", PoolName).Any(), "an event about the pool");
        Assert.Equal(("Warning", StatusConditionNames.ReasonNoReadyEndpoints), Kind(Assert.Single(EventsAbout(cluster, "InferencePool", PoolName))));

        cluster.Server.Modify("pods", Namespace, "vllm-0", p => p["status"]!["conditions"]![0]!["status"] = "True");

        await Wait.UntilAsync(() => EventsAbout(cluster, "InferencePool", PoolName).Count == 2, "a second event about the pool");
        var back = EventsAbout(cluster, "InferencePool", PoolName)[1];
        Assert.Equal(("Normal", StatusConditionNames.ReasonReady), Kind(back));
        Assert.StartsWith("1 ready endpoint(s)", back["note"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Single(replica.Current.Endpoints);
    }

    [Fact]
    public async Task Restart_ObjectsAlreadyCarryTheConditions_NoEventRepeated()
    {
        await using var cluster = await KubernetesTestCluster.StartAsync();
        ApplyPoolAndPod(cluster, ready: "True");
        ApplyModel(cluster, "chat", "chat", "2025-01-01T00:00:00Z");
        var first = await cluster.StartReplicaAsync();
        await Wait.UntilAsync(() => Condition(cluster, "inferencemodels", "chat") is not null && Condition(cluster, "inferencepools", PoolName, "Ready") is not null,
            "the first replica wrote status");
        await FlushAsync(cluster, first.Events);
        var events = cluster.Server.StoredEvents.Count;
        Assert.Equal(3, events); // pool Ready, model Accepted, sentinel
        await first.StopAsync();

        var second = await cluster.StartReplicaAsync(cluster.Options("replica-b"));
        await Wait.UntilAsync(() => second.Source.ReconcileCount > 0, "the second replica reconciled");
        await FlushAsync(cluster, second.Events);

        Assert.Equal(events + 1, cluster.Server.StoredEvents.Count); // only its sentinel
    }

    [Fact]
    public async Task V1Pool_NoReadyEndpoints_WarningEventOnTheV1Pool()
    {
        await using var cluster = await KubernetesTestCluster.StartAsync();
        cluster.Server.Apply(new JsonObject
        {
            ["apiVersion"] = "inference.networking.k8s.io/v1",
            ["kind"] = "InferencePool",
            ["metadata"] = new JsonObject { ["name"] = PoolName, ["namespace"] = Namespace },
            ["spec"] = new JsonObject
            {
                ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = "vllm-llama" } },
                ["targetPorts"] = new JsonArray(new JsonObject { ["number"] = 8000 }),
                ["endpointPickerRef"] = new JsonObject { ["name"] = "epp", ["port"] = new JsonObject { ["number"] = 9002 } },
            },
        });
        var options = cluster.Options();
        options.PoolGroup = KubernetesSourceOptions.StandardGroup;

        await cluster.StartReplicaAsync(options);

        await Wait.UntilAsync(() => EventsAbout(cluster, "InferencePool", PoolName).Any(), "an event about the v1 pool");
        var e = Assert.Single(EventsAbout(cluster, "InferencePool", PoolName));
        Assert.Equal(("Warning", StatusConditionNames.ReasonNoReadyEndpoints), Kind(e));
        Assert.Equal("inference.networking.k8s.io/v1", e["regarding"]!["apiVersion"]!.GetValue<string>());
        Assert.Equal(0, cluster.Server.StatusWriteCount); // a v1 pool's status is the gateways'
    }

    [Fact]
    public async Task LeaderElection_Acquired_NormalEventOnTheLease()
    {
        await using var cluster = await KubernetesTestCluster.StartAsync();
        ApplyPoolAndPod(cluster, ready: "True");

        var replica = await cluster.StartReplicaAsync(cluster.Options("replica-a", leaderElection: true));

        await Wait.UntilAsync(() => EventsAbout(cluster, "Lease", $"{PoolName}-epp-leader").Any(), "an event about the lease");
        var e = Assert.Single(EventsAbout(cluster, "Lease", $"{PoolName}-epp-leader"));
        Assert.Equal(("Normal", LeaseLeadership.LeaderElectionReason), Kind(e));
        Assert.Equal("replica-a became leader", e["note"]!.GetValue<string>());
        Assert.Equal("coordination.k8s.io/v1", e["regarding"]!["apiVersion"]!.GetValue<string>());
        Assert.True(replica.Lease!.IsLeader);
    }

    [Fact]
    public async Task Follower_DecisionsOfTheLeaderOnly_FollowerPostsNoConditionEvents()
    {
        await using var cluster = await KubernetesTestCluster.StartAsync();
        ApplyPoolAndPod(cluster, ready: "False");
        var leader = await cluster.StartReplicaAsync(cluster.Options("replica-a", leaderElection: true));
        await Wait.UntilAsync(() => leader.Lease!.IsLeader, "replica-a leads");
        await Wait.UntilAsync(() => EventsAbout(cluster, "InferencePool", PoolName).Any(), "the leader reported the pool");
        var follower = await cluster.StartReplicaAsync(cluster.Options("replica-b", leaderElection: true));
        await Wait.UntilAsync(() => follower.Source.ReconcileCount > 0, "the follower reconciled");

        await FlushAsync(cluster, leader.Events);
        await FlushAsync(cluster, follower.Events);

        var poolEvents = EventsAbout(cluster, "InferencePool", PoolName);
        Assert.Equal(["replica-a"], poolEvents.Select(e => e["reportingInstance"]!.GetValue<string>()));
    }

    [Fact]
    public async Task LeadershipHandover_NewLeader_ReportsOnlyNewTransitions()
    {
        await using var cluster = await KubernetesTestCluster.StartAsync();
        ApplyPoolAndPod(cluster, ready: "False");
        var a = await cluster.StartReplicaAsync(cluster.Options("replica-a", leaderElection: true));
        await Wait.UntilAsync(() => Condition(cluster, "inferencepools", PoolName, "Ready")?["reason"]?.GetValue<string>() == StatusConditionNames.ReasonNoReadyEndpoints,
            "replica-a wrote the pool's status");
        await Wait.UntilAsync(() => EventsAbout(cluster, "InferencePool", PoolName).Any(), "replica-a reported the pool");
        var b = await cluster.StartReplicaAsync(cluster.Options("replica-b", leaderElection: true));

        await a.StopAsync();
        await Wait.UntilAsync(() => b.Lease!.IsLeader, "replica-b takes over");
        var passes = b.Source.ReconcileCount;
        await Wait.UntilAsync(() => b.Source.ReconcileCount > passes, "replica-b reconciled as leader");
        cluster.Server.Modify("pods", Namespace, "vllm-0", p => p["status"]!["conditions"]![0]!["status"] = "True");
        await Wait.UntilAsync(() => EventsAbout(cluster, "InferencePool", PoolName).Count == 2, "the new leader reported the transition");
        await FlushAsync(cluster, b.Events);

        var poolEvents = EventsAbout(cluster, "InferencePool", PoolName);
        Assert.Equal(
            [("replica-a", StatusConditionNames.ReasonNoReadyEndpoints), ("replica-b", StatusConditionNames.ReasonReady)],
            poolEvents.Select(e => (e["reportingInstance"]!.GetValue<string>(), e["reason"]!.GetValue<string>())));
    }

    [Fact]
    public async Task LeadershipLost_ConditionEventsStillQueued_DroppedButStoppedLeadingSent()
    {
        await using var cluster = await KubernetesTestCluster.StartAsync();
        ApplyPoolAndPod(cluster, ready: "False");
        // The recorder does not send yet: what the leader decides stays queued, as behind a slow API server.
        var replica = await cluster.StartReplicaAsync(cluster.Options("replica-a", leaderElection: true), startEvents: false);
        await Wait.UntilAsync(() => replica.Lease!.IsLeader && replica.Events.QueuedCount == 2, "the lease event and the pool's NoReadyEndpoints are queued");

        await replica.Lease!.StopAsync(CancellationToken.None); // leadership lost
        await replica.Events.StartAsync(CancellationToken.None);
        await FlushAsync(cluster, replica.Events);

        Assert.Empty(EventsAbout(cluster, "InferencePool", PoolName));
        Assert.Equal(
            ["replica-a became leader", "replica-a stopped leading"],
            EventsAbout(cluster, "Lease", $"{PoolName}-epp-leader").Select(e => e["note"]!.GetValue<string>()));
        Assert.Equal(1, replica.Events.DiscardedCount);
    }

    [Fact]
    public async Task EmitEventsOff_LeaderWithTransitions_NoEventReachesTheServer()
    {
        await using var cluster = await KubernetesTestCluster.StartAsync();
        ApplyPoolAndPod(cluster, ready: "False");
        ApplyModel(cluster, "chat", "chat", "2025-01-01T00:00:00Z");
        var options = cluster.Options("replica-a", leaderElection: true);
        options.EmitEvents = false;

        var replica = await cluster.StartReplicaAsync(options);

        await Wait.UntilAsync(() => replica.Lease!.IsLeader
            && Condition(cluster, "inferencepools", PoolName, "Ready")?["reason"]?.GetValue<string>() == StatusConditionNames.ReasonNoReadyEndpoints
            && Condition(cluster, "inferencemodels", "chat") is not null, "the leader wrote the pool's and the model's status");
        await replica.Lease!.StopAsync(CancellationToken.None); // "stopped leading" would be an event too
        await FlushAsync(cluster, replica.Events); // the recorder itself works: everything before the sentinel was nothing

        Assert.Equal(["Sentinel"], cluster.Server.StoredEvents.Select(e => e["reason"]!.GetValue<string>()));
        Assert.Equal(0, cluster.Server.RefusedEventWriteCount);
    }

    // ---- Helpers ----

    private sealed class RunningRecorder(KubernetesApiClient api, KubernetesEventRecorder recorder, FakeTimeProvider time) : IAsyncDisposable
    {
        public KubernetesEventRecorder Recorder { get; } = recorder;

        public FakeTimeProvider Time { get; } = time;

        public async ValueTask DisposeAsync()
        {
            await Recorder.StopAsync(CancellationToken.None);
            Recorder.Dispose();
            api.Dispose();
        }
    }

    private static async Task<RunningRecorder> StartRecorderAsync(KubernetesTestCluster cluster, EventRecorderOptions options)
    {
        options.ReportingInstance = "replica-a";
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2025-06-01T12:00:00.1234567Z", System.Globalization.CultureInfo.InvariantCulture));
        var api = new KubernetesApiClient(KubernetesApiClient.LoadConfiguration(cluster.KubeconfigPath, null), "replica-a");
        var recorder = new KubernetesEventRecorder(api, options, time, NullLogger<KubernetesEventRecorder>.Instance);
        await recorder.StartAsync(CancellationToken.None);
        return new RunningRecorder(api, recorder, time);
    }

    /// <summary>
    /// Sends a distinct sentinel event through <paramref name="recorder"/> and waits until the server has it: the queue
    /// is first-in first-out, so everything recorded before has been sent (or dropped) by then.
    /// </summary>
    private static async Task FlushAsync(KubernetesTestCluster cluster, KubernetesEventRecorder recorder)
    {
        var note = "sentinel " + Guid.NewGuid().ToString("N");
        recorder.Normal(new EventReference("v1", "ConfigMap", Namespace, "sentinel", null), "Sentinel", "Test", note);
        await Wait.UntilAsync(() => cluster.Server.StoredEvents.Any(e => e["note"]?.GetValue<string>() == note), "the sentinel event arrived");
    }

    private static List<JsonObject> EventsAbout(KubernetesTestCluster cluster, string kind, string name) =>
        [.. cluster.Server.StoredEvents.Where(e => e["regarding"]?["kind"]?.GetValue<string>() == kind && e["regarding"]?["name"]?.GetValue<string>() == name)];

    private static (string Type, string Reason) Kind(JsonObject e) => (e["type"]!.GetValue<string>(), e["reason"]!.GetValue<string>());

    private static void ApplyPoolAndPod(KubernetesTestCluster cluster, string ready)
    {
        cluster.ApplyYaml(ManifestYaml.Pool(PoolName, 8000, Namespace, LlamaLabels));
        cluster.ApplyYaml(ManifestYaml.Pod("vllm-0", "10.0.0.10", LlamaLabels, Namespace, ready));
    }

    private static void ApplyModel(KubernetesTestCluster cluster, string name, string modelName, string created) =>
        cluster.ApplyYaml(ManifestYaml.Model(name, modelName, PoolName, Namespace, null, DateTimeOffset.Parse(created, System.Globalization.CultureInfo.InvariantCulture)));

    private static JsonObject? Condition(KubernetesTestCluster cluster, string resource, string name, string type = "Accepted") =>
        (cluster.Server.Get(resource, Namespace, name)?["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>()
            .FirstOrDefault(c => c["type"]?.GetValue<string>() == type);
}
