using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Ata.Gateway.Broker.Cluster;

/// <summary>
/// The endpoints RabbitMQ's HTTP auth backend asks (<c>auth_http.user_path</c> and the others):
/// <c>/broker/auth/user</c>, <c>/broker/auth/vhost</c>, <c>/broker/auth/resource</c> and
/// <c>/broker/auth/topic</c>, GET or POST, answered by <see cref="BrokerAuth"/> with <c>allow</c> or
/// <c>deny</c>. Mapped only with <c>Broker:Kind=RabbitMq</c>. Only the broker may ask: a question from
/// an address other than loopback or <see cref="RabbitMqOptions.AuthClients"/>, or without the shared
/// <see cref="RabbitMqOptions.AuthSecret"/> when one is set, is answered 403 and never checks a password.
/// </summary>
public static class BrokerAuthEndpoints
{
    /// <summary>Where the endpoints are.</summary>
    public const string Path = "/broker/auth";

    /// <summary>Maps the endpoints when the broker is a RabbitMQ cluster.</summary>
    /// <param name="app">The route builder.</param>
    public static IEndpointRouteBuilder MapBrokerAuth(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        // Registered with Broker:Kind=RabbitMq. Not the options' value: reading it here would throw an invalid
        // setting as a stack trace, before the gateway's start can say it in one line.
        if (!app.ServiceProvider.GetRequiredService<IServiceProviderIsService>().IsService(typeof(BrokerAuth)))
        {
            return app;
        }

        app.MapMethods(Path + "/{question}", [HttpMethods.Get, HttpMethods.Post], AnswerAsync).AllowAnonymous().ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> AnswerAsync(string question, HttpContext context, BrokerAuth auth, IOptions<BrokerOptions> options)
    {
        var cluster = options.Value.RabbitMq;
        if (!IsFromBroker(context.Connection.RemoteIpAddress, context.Request.Headers.Authorization, cluster))
        {
            return Results.StatusCode(StatusCodes.Status403Forbidden);
        }

        var request = context.Request;
        IEnumerable<KeyValuePair<string, StringValues>> fields = request.HasFormContentType
            ? await request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false)
            : request.Query;
        var asked = fields.ToDictionary(f => f.Key, f => f.Value.ToString(), StringComparer.Ordinal);
        string? Field(string name) => asked.TryGetValue(name, out var value) ? value : null;
        var clientId = Field("client_id") ?? Field("variable_map.client_id");
        var answer = question switch
        {
            "user" => auth.User(Field("username"), Field("password"), clientId),
            "vhost" => auth.VirtualHost(Field("username"), Field("vhost"), clientId),
            "resource" => auth.Resource(Field("username"), Field("vhost"), Field("resource"), Field("name"), Field("permission"), clientId),
            "topic" => auth.Topic(Field("username"), Field("vhost"), Field("name"), Field("permission"), Field("routing_key"), clientId),
            _ => null,
        };
        return answer is null ? Results.NotFound() : Results.Text(answer, "text/plain");
    }

    /// <summary>
    /// Whether a question comes from the broker: from loopback or one of <see cref="RabbitMqOptions.AuthClients"/>,
    /// and with <see cref="RabbitMqOptions.AuthSecret"/> as the HTTP Basic password when one is set.
    /// </summary>
    /// <param name="remote">The address the question came from.</param>
    /// <param name="authorization">Its <c>Authorization</c> header.</param>
    /// <param name="cluster">The cluster's settings.</param>
    public static bool IsFromBroker(IPAddress? remote, string? authorization, RabbitMqOptions cluster)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        if (remote is null)
        {
            return false;
        }

        if (remote.IsIPv4MappedToIPv6)
        {
            remote = remote.MapToIPv4();
        }

        if (!IPAddress.IsLoopback(remote) && !cluster.AuthClients.Exists(a => IPAddress.TryParse(a, out var allowed) && allowed.Equals(remote)))
        {
            return false;
        }

        if (string.IsNullOrEmpty(cluster.AuthSecret))
        {
            return true;
        }

        if (!AuthenticationHeaderValue.TryParse(authorization, out var header)
            || !string.Equals(header.Scheme, "Basic", StringComparison.OrdinalIgnoreCase) || header.Parameter is null)
        {
            return false;
        }

        byte[] decoded;
        try
        {
            decoded = Convert.FromBase64String(header.Parameter);
        }
        catch (FormatException)
        {
            return false;
        }

        var colon = Array.IndexOf(decoded, (byte)':');
        return colon >= 0 && CryptographicOperations.FixedTimeEquals(decoded.AsSpan(colon + 1), Encoding.UTF8.GetBytes(cluster.AuthSecret));
    }
}
