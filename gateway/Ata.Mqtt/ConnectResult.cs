namespace Ata.Mqtt;

/// <summary>MQTT 3.1.1 CONNACK return codes, in words.</summary>
internal static class ConnectResult
{
    /// <summary>No CONNACK has arrived yet.</summary>
    public const int None = -1;

    /// <summary>The broker accepted the connection.</summary>
    public const int Accepted = 0;

    /// <summary>The reason behind a CONNACK code, for logs and exception messages.</summary>
    public static string Describe(int code) => code switch
    {
        None => "no answer from the broker yet",
        Accepted => "connection accepted",
        1 => "unacceptable protocol version",
        2 => "client identifier rejected",
        3 => "broker unavailable",
        4 => "bad user name or password",
        5 => "not authorised (Mosquitto 2 also answers this for an unknown user or a wrong password)",
        _ => $"unknown reason {code}",
    };
}
