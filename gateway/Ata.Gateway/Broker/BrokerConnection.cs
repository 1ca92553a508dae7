namespace Ata.Gateway.Broker;

/// <summary>How the gateway's own MQTT session reaches the broker.</summary>
/// <param name="Host">The broker's host.</param>
/// <param name="Port">The broker's TCP port.</param>
/// <param name="Username">The gateway's broker user, if the broker wants one.</param>
/// <param name="Password">That user's password.</param>
public sealed record BrokerConnection(string Host, int Port, string? Username, string? Password)
{
    /// <summary>Keeps the password out of logs and exception messages.</summary>
    public override string ToString() => $"{Host}:{Port} as {Username ?? "(anonymous)"}";
}
