namespace Ata.Gateway.Broker;

/// <summary>The embedded broker's files under <c>{Gateway:DataDirectory}/broker/</c>.</summary>
/// <param name="Root">The folder itself.</param>
public sealed record BrokerDirectory(string Root)
{
    /// <summary>The longest path of a Unix socket (<c>sun_path</c> holds 108 bytes with its terminating NUL).</summary>
    public const int MaxSocketPathBytes = 107;

    /// <summary>The generated <c>mosquitto.conf</c>.</summary>
    public string ConfigFile => Path.Combine(Root, "mosquitto.conf");

    /// <summary>The adapters' password file (the device listener): one line per adapter.</summary>
    public string PasswordFile => Path.Combine(Root, "passwd");

    /// <summary>The adapters' ACL (the device listener), generated from the MQTT contract.</summary>
    public string AclFile => Path.Combine(Root, "acl");

    /// <summary>The gateway's password file (the gateway's listener): its one account.</summary>
    public string GatewayPasswordFile => Path.Combine(Root, "gateway.passwd");

    /// <summary>The gateway's ACL (the gateway's listener).</summary>
    public string GatewayAclFile => Path.Combine(Root, "gateway.acl");

    /// <summary>The Unix socket only the gateway connects to (inside this 0700 folder).</summary>
    public string GatewaySocket => Path.Combine(Root, "gateway.sock");

    /// <summary>Where Mosquitto keeps retained messages and sessions (ends with a slash, as Mosquitto wants).</summary>
    public string PersistenceDirectory => Path.Combine(Root, "db") + Path.DirectorySeparatorChar;

    /// <summary>The port chosen once and kept, so adapters find the broker after a restart.</summary>
    public string PortFile => Path.Combine(Root, "port");

    /// <summary>The gateway's own broker password (mode 0600).</summary>
    public string GatewaySecretFile => Path.Combine(Root, "gateway.secret");

    /// <summary>The running broker's process id; present after an unclean stop.</summary>
    public string PidFile => Path.Combine(Root, "mosquitto.pid");
}
