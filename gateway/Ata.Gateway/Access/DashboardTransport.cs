using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Extensions;

namespace Ata.Gateway.Access;

/// <summary>
/// When the gateway serves HTTPS (an <c>https://</c> address in <c>--urls</c>, with the certificate
/// of <c>Kestrel:Certificates:Default</c>), people use the dashboard there alone: a page asked for over
/// plain HTTP is sent to the same page over HTTPS, and sign-in (or anything else a browser posts) over
/// plain HTTP is refused, so every cookie the gateway sets is <c>Secure</c>. Programs (<c>/api</c>,
/// <c>/metrics</c>, <c>/openapi</c>, <c>/healthz</c>) may still use plain HTTP with an API key.
/// </summary>
/// <param name="server">The server, whose bound addresses say whether and where HTTPS is served.</param>
public sealed class DashboardTransport(IServer server)
{
    /// <summary>Paths programs use, which are not moved to HTTPS.</summary>
    public static readonly string[] ProgramPaths = ["/api", "/metrics", "/openapi", "/healthz"];

    private readonly Lazy<int?> _httpsPort = new(() => FindHttpsPort(server));

    /// <summary>The port HTTPS is served on, or null when it is not (asked once the server has started, on the first request).</summary>
    public int? HttpsPort => _httpsPort.Value;

    /// <summary>Middleware: sends browsers from plain HTTP to HTTPS when the gateway serves it.</summary>
    /// <param name="context">The request.</param>
    /// <param name="next">The rest of the pipeline.</param>
    public async Task SendBrowsersToHttpsAsync(HttpContext context, RequestDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var request = context.Request;
        if (request.IsHttps || HttpsPort is not { } port || ProgramPaths.Any(p => request.Path.StartsWithSegments(p, StringComparison.Ordinal)))
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        var host = new HostString(request.Host.Host, port);
        if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
        {
            context.Response.Redirect(UriHelper.BuildAbsolute("https", host, request.PathBase, request.Path, request.QueryString));
            return;
        }

        await TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "The dashboard is served over HTTPS only.",
                detail: $"Sign in and use the dashboard at {UriHelper.BuildAbsolute("https", host, request.PathBase)}.")
            .ExecuteAsync(context).ConfigureAwait(false);
    }

    private static int? FindHttpsPort(IServer server)
    {
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        foreach (var address in addresses)
        {
            var binding = BindingAddress.Parse(address);
            if (binding.Scheme.Equals("https", StringComparison.OrdinalIgnoreCase) && binding.Port > 0)
            {
                return binding.Port;
            }
        }

        return null;
    }
}
