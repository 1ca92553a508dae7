namespace Ata.Gateway.Broker;

/// <summary>The embedded broker's files under <c>{Gateway:DataDirectory}/broker/</c>.</summary>
/// <param name="Root">The folder itself.</param>
public sealed record BrokerDirectory(string Root)
{
    /// <summary>The generated <c>mosquitto.conf</c>.</summary>
    public string ConfigFile => Path.Combine(Root, "mosquitto.conf");

    /// <summary>The password file: the gateway's user and one line per adapter.</summary>
    public string PasswordFile => Path.Combine(Root, "passwd");

    /// <summary>The ACL file.</summary>
    public string AclFile => Path.Combine(Root, "acl");

    /// <summary>Where Mosquitto keeps retained messages and sessions (ends with a slash, as Mosquitto wants).</summary>
    public string PersistenceDirectory => Path.Combine(Root, "db") + Path.DirectorySeparatorChar;

    /// <summary>The port chosen once and kept, so adapters find the broker after a restart.</summary>
    public string PortFile => Path.Combine(Root, "port");

    /// <summary>The gateway's own broker password (mode 0600).</summary>
    public string GatewaySecretFile => Path.Combine(Root, "gateway.secret");

    /// <summary>The running broker's process id; present after an unclean stop.</summary>
    public string PidFile => Path.Combine(Root, "mosquitto.pid");
}
