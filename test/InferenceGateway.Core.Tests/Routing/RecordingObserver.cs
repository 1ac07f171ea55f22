using InferenceGateway.Core.Routing;

namespace InferenceGateway.Core.Tests.Routing;

/// <summary>Records the observer calls (internal types, so it lives next to the tests).</summary>
internal sealed class RecordingObserver : IRequestObserver
{
    private readonly Lock _gate = new();
    private readonly List<RoutedRequestInfo> _routed = [];
    private readonly List<CompletedRequest> _completed = [];

    public bool Throw { get; set; }

    public IReadOnlyList<RoutedRequestInfo> Routed
    {
        get
        {
            lock (_gate)
            {
                return [.. _routed];
            }
        }
    }

    public IReadOnlyList<CompletedRequest> Completed
    {
        get
        {
            lock (_gate)
            {
                return [.. _completed];
            }
        }
    }

    public void OnRouted(RoutedRequestInfo request)
    {
        lock (_gate)
        {
            _routed.Add(request);
        }

        if (Throw)
        {
            throw new InvalidOperationException("observer failure (test)");
        }
    }

    public void OnCompleted(CompletedRequest request)
    {
        lock (_gate)
        {
            _completed.Add(request);
        }

        if (Throw)
        {
            throw new InvalidOperationException("observer failure (test)");
        }
    }
}
