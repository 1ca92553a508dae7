namespace Ata.Gateway.Broker;

/// <summary>Turns a line Mosquitto writes to stderr into a log level and a message.</summary>
public static class MosquittoLog
{
    /// <summary>The level and text of one Mosquitto log line (written with <c>log_timestamp false</c>).</summary>
    /// <param name="line">The line as Mosquitto wrote it.</param>
    public static (LogLevel Level, string Message) Classify(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        if (line.StartsWith("Error: ", StringComparison.Ordinal))
        {
            return (LogLevel.Error, line["Error: ".Length..]);
        }

        if (line.StartsWith("Warning: ", StringComparison.Ordinal))
        {
            return (LogLevel.Warning, line["Warning: ".Length..]);
        }

        if (TryParseRefusedLogin(line, out _, out _))
        {
            return (LogLevel.Warning, line);
        }

        return (IsQueueOverflow(line) ? LogLevel.Warning : TryParseSubscription(line, out _, out _) ? LogLevel.Debug : LogLevel.Information, line);
    }

    /// <summary>
    /// Reads a subscription Mosquitto logged (<c>log_type subscribe</c>: <c>{client id} {qos} {topic filter}</c>),
    /// which it writes once the subscription is in place.
    /// </summary>
    /// <param name="line">A line Mosquitto wrote.</param>
    /// <param name="clientId">The subscribing client.</param>
    /// <param name="topicFilter">What it subscribed to.</param>
    public static bool TryParseSubscription(string line, out string clientId, out string topicFilter)
    {
        ArgumentNullException.ThrowIfNull(line);
        clientId = topicFilter = string.Empty;
        var parts = line.Split(' ');
        if (parts.Length != 3 || parts[1] is not ("0" or "1" or "2") || parts[0].Length == 0 || parts[2].Length == 0)
        {
            return false;
        }

        (clientId, topicFilter) = (parts[0], parts[2]);
        return true;
    }

    /// <summary>
    /// Whether the line says the broker has started dropping messages for a client because its
    /// queue is full (Mosquitto logs this once each time it starts dropping, at notice level).
    /// </summary>
    /// <param name="line">A line Mosquitto wrote.</param>
    public static bool IsQueueOverflow(string line) =>
        line.StartsWith("Outgoing messages are being dropped for client ", StringComparison.Ordinal);

    /// <summary>
    /// Reads a refused login the gateway's login watch plugin logged (<c>ata-login-refused {login} {address}</c>,
    /// see <c>LoginWatch/ata_login_watch.c</c>); the login is <c>?</c> when it held bytes the plugin does not write.
    /// </summary>
    /// <param name="line">A line Mosquitto wrote.</param>
    /// <param name="login">The user name the client tried.</param>
    /// <param name="address">Where the client connected from.</param>
    public static bool TryParseRefusedLogin(string line, out string login, out string address)
    {
        ArgumentNullException.ThrowIfNull(line);
        login = address = string.Empty;
        var parts = line.Split(' ');
        if (parts.Length != 3 || parts[0] != RefusedLoginPrefix || parts[1].Length == 0 || parts[2].Length == 0)
        {
            return false;
        }

        (login, address) = (parts[1], parts[2]);
        return true;
    }

    /// <summary>The first word of the login watch plugin's line.</summary>
    public const string RefusedLoginPrefix = "ata-login-refused";

    /// <summary>Whether the line says the broker accepts connections.</summary>
    /// <param name="line">A line Mosquitto wrote.</param>
    public static bool IsRunning(string line) =>
        line.StartsWith("mosquitto version ", StringComparison.Ordinal) && line.EndsWith(" running", StringComparison.Ordinal);
}
