using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace InferenceGateway.TestSupport;

/// <summary>
/// A real Kestrel server on a loopback address and a free port, running the handler the test gives it
/// (a fake model server). Records each request's headers and body before the handler runs.
/// </summary>
public sealed class LoopbackHttpServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private LoopbackHttpServer(WebApplication app, IPEndPoint endpoint)
    {
        _app = app;
        Address = endpoint.ToString();
    }

    /// <summary>"ip:port" as the router hands it to the proxy.</summary>
    public string Address { get; }

    public Uri BaseUrl => new($"http://{Address}/");

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    public int RequestCount => Requests.Count;

    public static async Task<LoopbackHttpServer> StartAsync(RequestDelegate handler, string host = "127.0.0.1", HttpProtocols protocols = HttpProtocols.Http1AndHttp2)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(options => options.Listen(IPAddress.Parse(host), 0, listen => listen.Protocols = protocols));
        var app = builder.Build();
        LoopbackHttpServer? server = null;
        app.Run(async context =>
        {
            context.Request.EnableBuffering();
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body, context.RequestAborted);
            context.Request.Body.Position = 0;
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var header in context.Request.Headers)
            {
                headers[header.Key] = header.Value.ToString();
            }

            server!.Requests.Enqueue(new RecordedRequest(context.Request.Method, context.Request.Path.Value ?? "", headers, body.ToArray(), context.Request.Protocol));
            await handler(context);
        });
        await app.StartAsync();
        var address = app.Urls.Single();
        var uri = new Uri(address);
        server = new LoopbackHttpServer(app, new IPEndPoint(IPAddress.Parse(uri.Host), uri.Port));
        return server;
    }

    /// <summary>An "ip:port" nothing listens on (a port that was just free): connections are refused.</summary>
    public static string ClosedAddress(string host = "127.0.0.1")
    {
        using var listener = new TcpListener(IPAddress.Parse(host), 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return $"{host}:{port}";
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <param name="Protocol">As Kestrel reports it: "HTTP/1.1" or "HTTP/2".</param>
public sealed record RecordedRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body, string Protocol = "");
