using System.Net;
using InferenceGateway.Proxy.Forwarding;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Prometheus;

namespace InferenceGateway.Proxy.Hosting;

/// <summary>
/// Builds and runs the standalone gateway: a public listener (OpenAI API) and an admin listener (/metrics,
/// /health, /ready) in one <see cref="WebApplication"/>. The IDatastore and IInferenceRouter come from DI.
/// </summary>
/// <example>
/// <code>
/// var builder = GatewayServer.CreateBuilder(args);
/// builder.Services.AddSingleton&lt;IDatastore&gt;(...);
/// builder.Services.AddSingleton&lt;IInferenceRouter&gt;(...);
/// builder.Services.AddHostedService&lt;...&gt;();   // started (awaited) before the gateway listens
/// await using var server = GatewayServer.Build(builder);
/// await server.StartAsync(ct);
/// Console.WriteLine(GatewayBanner.Format(server.PublicUrl, server.AdminUrl, models));
/// await server.WaitForShutdownAsync(ct);
/// </code>
/// </example>
internal sealed class GatewayServer : IAsyncDisposable
{
    private GatewayServer(WebApplication app) => App = app;

    public WebApplication App { get; }

    /// <summary>The public base URL actually bound (valid after <see cref="StartAsync"/>).</summary>
    public Uri PublicUrl => App.Services.GetRequiredService<GatewayListeners>().PublicUrl;

    /// <summary>The admin base URL actually bound (valid after <see cref="StartAsync"/>).</summary>
    public Uri AdminUrl => App.Services.GetRequiredService<GatewayListeners>().AdminUrl;

    /// <summary>
    /// A WebApplicationBuilder with the usual configuration sources (appsettings.json, environment, args), the
    /// gateway's services and its two Kestrel listeners. Add IDatastore, IInferenceRouter and any hosted services
    /// before calling <see cref="Build"/>; configuration added to <c>builder.Configuration</c> later still applies.
    /// </summary>
    public static WebApplicationBuilder CreateBuilder(string[]? args = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args ?? [] });
        // YARP logs every forwarded request at Information; keep the console for what matters.
        builder.Logging.AddFilter("Yarp", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Services.AddInferenceGatewayProxy(builder.Configuration);
        builder.WebHost.UseKestrel();
        return builder;
    }

    public static GatewayServer Build(WebApplicationBuilder builder)
    {
        var app = builder.Build();
        app.MapInferenceGateway();
        return new GatewayServer(app);
    }

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await App.StartAsync(cancellationToken).ConfigureAwait(false);
        ProxyLog.Listening(App.Logger, PublicUrl.ToString(), AdminUrl.ToString());
    }

    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => App.WaitForShutdownAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken = default) => App.StopAsync(cancellationToken);

    public ValueTask DisposeAsync() => App.DisposeAsync();
}

/// <summary>Registration steps of the standalone gateway.</summary>
internal static class GatewayServiceCollectionExtensions
{
    /// <summary>
    /// Options (section InferenceGateway:Gateway, validated at start), YARP's forwarder, the upstream client,
    /// the request handler and the Kestrel listeners. Does not register IDatastore or IInferenceRouter.
    /// </summary>
    public static IServiceCollection AddInferenceGatewayProxy(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<GatewayOptions>()
            .Bind(configuration.GetSection(GatewayOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GatewayOptions>, GatewayOptionsValidator>());
        services.AddHttpForwarder();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(_ => Metrics.DefaultRegistry);
        services.TryAddSingleton<UpstreamClient>();
        services.TryAddSingleton<InferenceProxyHandler>();
        services.TryAddSingleton<GatewayEndpoints>();
        services.TryAddSingleton<GatewayListeners>();
        services.AddOptions<KestrelServerOptions>()
            .Configure<IOptions<GatewayOptions>, GatewayListeners>((kestrel, options, listeners) => listeners.Configure(kestrel, options.Value));
        return services;
    }

    /// <summary>Sends admin-listener requests to the admin pipeline and everything else to the front door.</summary>
    public static WebApplication MapInferenceGateway(this WebApplication app)
    {
        var endpoints = app.Services.GetRequiredService<GatewayEndpoints>();
        app.Run(context => context.Features.Get<AdminListenerFeature>() is not null
            ? endpoints.HandleAdminAsync(context)
            : endpoints.HandlePublicAsync(context));
        return app;
    }
}

/// <summary>Marks connections accepted on the admin listener (a connection feature, visible to each request).</summary>
internal sealed class AdminListenerFeature
{
    public static AdminListenerFeature Instance { get; } = new();
}

/// <summary>Creates the two Kestrel listeners and reports the addresses they got (port 0 is allowed).</summary>
internal sealed class GatewayListeners
{
    private ListenOptions? _public;
    private ListenOptions? _admin;

    public Uri PublicUrl => ToUrl(_public);

    public Uri AdminUrl => ToUrl(_admin);

    public void Configure(KestrelServerOptions kestrel, GatewayOptions options)
    {
        kestrel.AddServerHeader = false;
        // The handler enforces the body cap itself (to answer in OpenAI shape); this is Kestrel's backstop.
        kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes + 1;
        var address = options.ParseListenAddress();
        _public = Listen(kestrel, address, options.Port, static _ => { });
        _admin = Listen(kestrel, address, options.AdminPort, static listen => listen.Use(next => connection =>
        {
            connection.Features.Set(AdminListenerFeature.Instance);
            return next(connection);
        }));
    }

    private static ListenOptions Listen(KestrelServerOptions kestrel, IPAddress? address, int port, Action<ListenOptions> configure)
    {
        ListenOptions? captured = null;
        void Capture(ListenOptions listen)
        {
            listen.Protocols = HttpProtocols.Http1AndHttp2;
            configure(listen);
            captured = listen;
        }

        if (address is null)
        {
            kestrel.ListenAnyIP(port, Capture);
        }
        else
        {
            kestrel.Listen(address, port, Capture);
        }

        return captured!;
    }

    private static Uri ToUrl(ListenOptions? listen)
    {
        if (listen?.IPEndPoint is not { } endpoint)
        {
            throw new InvalidOperationException("The gateway has not been started.");
        }

        var host = endpoint.Address.Equals(IPAddress.Any) || endpoint.Address.Equals(IPAddress.IPv6Any)
            ? "localhost"
            : endpoint.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{endpoint.Address}]" : endpoint.Address.ToString();
        return new Uri($"http://{host}:{endpoint.Port}/");
    }
}
