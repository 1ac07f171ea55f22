using System.Globalization;
using System.Net;
using Microsoft.Extensions.Options;

namespace InferenceGateway.Proxy;

/// <summary>
/// Settings of the standalone gateway, bound from the configuration section <see cref="SectionName"/>
/// (appsettings.json, or environment variables such as <c>InferenceGateway__Gateway__Port=8080</c>).
/// </summary>
internal sealed class GatewayOptions
{
    public const string SectionName = "InferenceGateway:Gateway";

    /// <summary>The header name Envoy-era deployments used; always stripped from client requests.</summary>
    public const string DefaultDestinationHeaderName = "x-gateway-destination-endpoint";

    /// <summary>Public (OpenAI API) port; 0 picks a free port.</summary>
    public int Port { get; set; } = 8080;

    /// <summary>Admin port serving /metrics, /health and /ready; 0 picks a free port.</summary>
    public int AdminPort { get; set; } = 9090;

    /// <summary>Address both listeners bind: "*" (all interfaces, IPv4 and IPv6) or an IP address.</summary>
    public string ListenAddress { get; set; } = "*";

    /// <summary>Largest request body accepted; larger bodies are answered 413 before they are routed.</summary>
    public long MaxRequestBodyBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>
    /// Longest time the upstream may stay silent (waiting for headers, or between two body reads) before the
    /// request is abandoned. An idle timeout, so long streams are fine as long as tokens keep coming.
    /// </summary>
    public TimeSpan UpstreamTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Time allowed to open a TCP connection to a model server before trying the next endpoint.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Name of the picker's destination header (the seed era used "target-pod"). The proxy routes by itself,
    /// so a client-supplied header of this name (or the default name) is removed before anything else sees it.
    /// </summary>
    public string DestinationHeaderName { get; set; } = DefaultDestinationHeaderName;

    /// <summary>The address to bind, or null for "all interfaces".</summary>
    public IPAddress? ParseListenAddress() =>
        ListenAddress is "*" or "" ? null : IPAddress.Parse(ListenAddress);
}

/// <summary>Rejects settings the gateway cannot start with; runs at start (ValidateOnStart).</summary>
internal sealed class GatewayOptionsValidator : IValidateOptions<GatewayOptions>
{
    public ValidateOptionsResult Validate(string? name, GatewayOptions options)
    {
        var failures = new List<string>();
        if (options.Port is < 0 or > 65535)
        {
            failures.Add(Invalid(nameof(options.Port), options.Port, "a port between 0 and 65535"));
        }

        if (options.AdminPort is < 0 or > 65535)
        {
            failures.Add(Invalid(nameof(options.AdminPort), options.AdminPort, "a port between 0 and 65535"));
        }

        if (options.Port != 0 && options.Port == options.AdminPort)
        {
            failures.Add($"{GatewayOptions.SectionName}:{nameof(options.AdminPort)} must differ from {nameof(options.Port)} ({options.Port}).");
        }

        if (options.ListenAddress is not ("*" or "") && !IPAddress.TryParse(options.ListenAddress, out _))
        {
            failures.Add(Invalid(nameof(options.ListenAddress), options.ListenAddress, "\"*\" or an IP address"));
        }

        if (options.MaxRequestBodyBytes is < 1 or > int.MaxValue)
        {
            failures.Add(Invalid(nameof(options.MaxRequestBodyBytes), options.MaxRequestBodyBytes, $"between 1 and {int.MaxValue}"));
        }

        if (options.UpstreamTimeout <= TimeSpan.Zero)
        {
            failures.Add(Invalid(nameof(options.UpstreamTimeout), options.UpstreamTimeout, "a positive duration such as 00:05:00"));
        }

        if (options.ConnectTimeout <= TimeSpan.Zero)
        {
            failures.Add(Invalid(nameof(options.ConnectTimeout), options.ConnectTimeout, "a positive duration such as 00:00:05"));
        }

        if (string.IsNullOrWhiteSpace(options.DestinationHeaderName) || !IsToken(options.DestinationHeaderName))
        {
            failures.Add(Invalid(nameof(options.DestinationHeaderName), options.DestinationHeaderName, "a valid HTTP header name"));
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static string Invalid(string key, object? value, string expected) =>
        string.Create(CultureInfo.InvariantCulture, $"{GatewayOptions.SectionName}:{key} is '{value}'; expected {expected}.");

    private static bool IsToken(string name)
    {
        foreach (var c in name)
        {
            if (c <= ' ' || c >= 127 || c is ':' or '(' or ')' or ',' or '/' or ';' or '<' or '=' or '>' or '?' or '@' or '[' or '\\' or ']' or '{' or '}' or '"')
            {
                return false;
            }
        }

        return true;
    }
}
