namespace InferenceGateway.Proxy.Forwarding;

/// <summary>
/// The picker-protocol headers a client must not be able to set: they would steer routing (or confuse a model
/// server). The default names are always included, plus the configured destination header name.
/// </summary>
internal sealed class DestinationHeaders
{
    private readonly string[] _names;

    public DestinationHeaders(string configuredName)
    {
        const string Default = GatewayOptions.DefaultDestinationHeaderName;
        var names = new List<string> { Default, Default + "-subset", Default + "-served" };
        if (!names.Contains(configuredName, StringComparer.OrdinalIgnoreCase))
        {
            names.Add(configuredName);
        }

        _names = [.. names];
    }

    public IReadOnlyList<string> Names => _names;

    public bool IsDestinationHeader(string name)
    {
        foreach (var candidate in _names)
        {
            if (candidate.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
