using System.Threading.Channels;
using InferenceGateway.Simulator.Engines;

namespace InferenceGateway.Simulator.Server;

/// <summary>Carries one request's engine events from the engine loop to its HTTP handler.</summary>
internal sealed class RequestStream : IEngineEventSink
{
    private readonly Channel<EngineEventKind> _events = Channel.CreateUnbounded<EngineEventKind>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = true, AllowSynchronousContinuations = false });

    public ChannelReader<EngineEventKind> Reader => _events.Reader;

    public void OnEvent(in EngineEvent engineEvent)
    {
        switch (engineEvent.Kind)
        {
            case EngineEventKind.FirstToken:
            case EngineEventKind.Token:
                _events.Writer.TryWrite(engineEvent.Kind);
                break;
            case EngineEventKind.Finished:
                _events.Writer.TryWrite(engineEvent.Kind);
                _events.Writer.TryComplete();
                break;
            default:
                break;
        }
    }
}
