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

    /// <summary>The generated TLS files (CA, server certificate, their keys), mode 0700.</summary>
    public string TlsDirectory => Path.Combine(Root, "tls");

    /// <summary>The generated CA certificate (PEM) adapters check the broker against.</summary>
    public string CaFile => Path.Combine(TlsDirectory, "ca.crt");

    /// <summary>The generated CA's private key (PEM, mode 0600).</summary>
    public string CaKeyFile => Path.Combine(TlsDirectory, "ca.key");

    /// <summary>The generated server certificate (PEM) of the TLS listener.</summary>
    public string ServerCertificateFile => Path.Combine(TlsDirectory, "server.crt");

    /// <summary>The server certificate's private key (PEM, mode 0600).</summary>
    public string ServerKeyFile => Path.Combine(TlsDirectory, "server.key");

    /// <summary>The TLS listener's port, chosen once and kept.</summary>
    public string TlsPortFile => Path.Combine(Root, "tls-port");
}
