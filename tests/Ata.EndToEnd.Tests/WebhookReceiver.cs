using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Ata.Lab;

namespace Ata.EndToEnd.Tests;

/// <summary>
/// A webhook receiver on loopback for the gateway's fault relay: keeps every report it is sent (the
/// JSON body) and answers 200, so each is delivered once.
/// </summary>
public sealed class WebhookReceiver : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<JsonElement> _reports = new();

    /// <summary>Starts listening on a free loopback port.</summary>
    public WebhookReceiver()
    {
        int port = FreePort.Tcp();
        Url = $"http://127.0.0.1:{port}/hook/";
        _listener.Prefixes.Add(Url);
        _listener.Start();
        _ = ServeAsync();
    }

    /// <summary>The URL to give the gateway as <c>Relay:WebhookUrl</c>.</summary>
    public string Url { get; }

    /// <summary>Every report received so far, oldest first.</summary>
    public IReadOnlyList<JsonElement> Reports => [.. _reports];

    public void Dispose() => _listener.Close();

    private async Task ServeAsync()
    {
        while (true)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using (var reader = new StreamReader(context.Request.InputStream))
            {
                string body = await reader.ReadToEndAsync();
                try
                {
                    _reports.Enqueue(JsonDocument.Parse(body).RootElement.Clone());
                }
                catch (JsonException)
                {
                    context.Response.StatusCode = 400;
                    context.Response.Close();
                    continue;
                }
            }

            context.Response.StatusCode = 200;
            context.Response.Close();
        }
    }
}
