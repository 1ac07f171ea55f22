using InferenceGateway.Core.Routing;
using InferenceGateway.TestSupport;

namespace InferenceGateway.Core.Tests.Routing;

/// <summary>Records the observer calls (internal types, so it lives next to the tests).</summary>
internal sealed class RecordingObserver : IRequestObserver
{
    private readonly CallLog<RoutedRequestInfo> _routed = new();
    private readonly CallLog<CompletedRequest> _completed = new();

    public bool Throw { get; set; }

    public IReadOnlyList<RoutedRequestInfo> Routed => _routed.Snapshot();

    public IReadOnlyList<CompletedRequest> Completed => _completed.Snapshot();

    public void OnRouted(RoutedRequestInfo request)
    {
        _routed.Add(request);

        if (Throw)
        {
            throw new InvalidOperationException("observer failure (test)");
        }
    }

    public void OnCompleted(CompletedRequest request)
    {
        _completed.Add(request);

        if (Throw)
        {
            throw new InvalidOperationException("observer failure (test)");
        }
    }
}
