using InferenceGateway.Api.Meta;

namespace InferenceGateway.Kubernetes.Tests;

public sealed class ConditionEventsTests
{
    private static readonly EventReference Pool = new("inference.networking.x-k8s.io/v1alpha1", "InferencePool", "serving", "llama", "uid-1");

    private static Condition Ready(string status, string reason, string message = "m") =>
        new() { Type = "Ready", Status = status, Reason = reason, Message = message };

    [Fact]
    public void Observe_FirstSightWithoutStoredCondition_ReportsTheCurrentState()
    {
        var recorder = new ListRecorder();
        var events = new ConditionEvents(recorder);

        events.Observe(Pool, Ready("False", "NoReadyEndpoints", "0 ready"), stored: null);

        Assert.Equal([("Warning", "NoReadyEndpoints", "0 ready")], recorder.Events);
    }

    [Fact]
    public void Observe_FirstSightStoredConditionAgrees_NothingReported()
    {
        var recorder = new ListRecorder();
        var events = new ConditionEvents(recorder);

        events.Observe(Pool, Ready("True", "Ready"), [Ready("True", "Ready", "an older message")]);

        Assert.Empty(recorder.Events);
    }

    [Fact]
    public void Observe_MessageOnlyChange_NotATransition_StatusChangeIs()
    {
        var recorder = new ListRecorder();
        var events = new ConditionEvents(recorder);
        events.Observe(Pool, Ready("True", "Ready", "2 ready endpoint(s)"), null);
        events.Complete();

        events.Observe(Pool, Ready("True", "Ready", "3 ready endpoint(s)"), null);
        events.Complete();
        events.Observe(Pool, Ready("False", "NoReadyEndpoints", "0 ready"), null);
        events.Complete();
        events.Observe(Pool, Ready("True", "Ready", "1 ready endpoint(s)"), null);

        Assert.Equal(
            [("Normal", "Ready", "2 ready endpoint(s)"), ("Warning", "NoReadyEndpoints", "0 ready"), ("Normal", "Ready", "1 ready endpoint(s)")],
            recorder.Events);
    }

    [Fact]
    public void Observe_SameStatusNewReason_IsATransition()
    {
        var recorder = new ListRecorder();
        var events = new ConditionEvents(recorder);
        events.Observe(Pool, Ready("False", "NoReadyEndpoints"), null);
        events.Complete();

        events.Observe(Pool, Ready("False", "InvalidPool", "bad port"), null);

        Assert.Equal(("Warning", "InvalidPool", "bad port"), recorder.Events[^1]);
    }

    [Fact]
    public void Complete_ObjectNotObserved_ForgottenAndSeededFromStoredAgain()
    {
        var recorder = new ListRecorder();
        var events = new ConditionEvents(recorder);
        events.Observe(Pool, Ready("False", "NoReadyEndpoints"), null);
        events.Complete();
        events.Complete(); // a pass without the pool

        events.Observe(Pool, Ready("False", "NoReadyEndpoints"), null);

        Assert.Equal(2, recorder.Events.Count);
    }

    [Fact]
    public void Reset_AfterwardsStartsFromTheStoredCondition()
    {
        var recorder = new ListRecorder();
        var events = new ConditionEvents(recorder);
        events.Observe(Pool, Ready("False", "NoReadyEndpoints"), null);
        events.Complete();

        events.Reset();
        events.Observe(Pool, Ready("True", "Ready"), [Ready("False", "NoReadyEndpoints")]);

        Assert.Equal(("Normal", "Ready", "m"), recorder.Events[^1]);
        Assert.Equal(2, recorder.Events.Count);
    }

    [Fact]
    public void Observe_RecreatedObject_NewUidIsANewObject()
    {
        var recorder = new ListRecorder();
        var events = new ConditionEvents(recorder);
        events.Observe(Pool, Ready("True", "Ready"), null);
        events.Complete();

        events.Observe(Pool with { Uid = "uid-2" }, Ready("True", "Ready"), null);

        Assert.Equal(2, recorder.Events.Count);
    }

    private sealed class ListRecorder : IEventRecorder
    {
        public List<(string Type, string Reason, string Note)> Events { get; } = [];

        public void Normal(EventReference regarding, string reason, string action, string note) => Events.Add(("Normal", reason, note));

        public void Warning(EventReference regarding, string reason, string action, string note) => Events.Add(("Warning", reason, note));

        public void DropQueued(EventReference keep)
        {
        }
    }
}
