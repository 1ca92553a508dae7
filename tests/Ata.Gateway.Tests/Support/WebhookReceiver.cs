using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Ata.Gateway.Tests.Support;

/// <summary>A real HTTP receiver of the fault relay's webhook on loopback: <c>POST /hook</c> answered by the test's handler.</summary>
internal static class WebhookReceiver
{
    /// <summary>Starts listening on <paramref name="port"/>; the caller disposes the app.</summary>
    /// <param name="port">A free TCP port.</param>
    /// <param name="handle">What a POST does (its answer).</param>
    public static async Task<WebApplication> StartAsync(int port, Func<HttpRequest, Task<IResult>> handle)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var receiver = builder.Build();
        receiver.MapPost("/hook", handle);
        await receiver.StartAsync();
        return receiver;
    }
}
