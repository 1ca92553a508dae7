using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Ata.Scale.Tests.Support;

/// <summary>
/// A RabbitMQ cluster of Debian's <c>rabbitmq-server</c> on loopback, started by the test: each node
/// with its own node name, AMQP, MQTT and distribution ports, data and log folders, the MQTT and HTTP
/// auth backend plugins (an <c>enabled_plugins</c> file), joined into one cluster with
/// <c>rabbitmqctl join_cluster</c>; its own Erlang port mapper on a free port and its own cookie, so it
/// meets no other Erlang node on the machine. The nodes run as the test's user from Debian's
/// <c>/usr/lib/rabbitmq/bin</c> scripts (the <c>/usr/sbin</c> wrappers would switch to the
/// <c>rabbitmq</c> user and its <c>/var/lib/rabbitmq</c>). Adapters' logins are answered by the gateway at
/// <see cref="AuthBase"/>. Each node's MQTT listener is over TLS (<c>mqtt.listeners.ssl</c>) with a CA and
/// server certificate the cluster makes (<see cref="CaFile"/>, <see cref="CertificateFile"/>,
/// <see cref="KeyFile"/>, the nodes' <c>ssl_options</c>); a plaintext MQTT listener only when asked for
/// (<see cref="StartAsync"/>'s <c>plaintext</c>). Everything is stopped and removed on dispose.
/// </summary>
internal sealed class RabbitCluster : IAsyncDisposable
{
    public const string Scripts = "/usr/lib/rabbitmq/bin";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);

    private readonly string _root;
    private readonly string _home;
    private readonly int _epmdPort;
    private readonly string _authBase;

    private RabbitCluster(string root, int epmdPort, string authBase, int count, bool plaintext)
    {
        _root = root;
        _home = Path.Combine(root, "home");
        _epmdPort = epmdPort;
        _authBase = authBase;
        Plaintext = plaintext;
        var tls = Path.Combine(root, "tls");
        CaFile = Path.Combine(tls, "ca.crt");
        CertificateFile = Path.Combine(tls, "server.crt");
        KeyFile = Path.Combine(tls, "server.key");
        var prefix = "ata" + Guid.NewGuid().ToString("N")[..6];
        for (var i = 1; i <= count; i++)
        {
            Nodes.Add(new RabbitNode(this, $"{prefix}-{i}@localhost", Path.Combine(root, $"node{i}"), FreePort(), FreePort(), FreePort(), FreePort(), FreePort()));
        }
    }

    public List<RabbitNode> Nodes { get; } = [];

    /// <summary>Whether the nodes also listen for plaintext MQTT (<see cref="RabbitNode.MqttPort"/>).</summary>
    public bool Plaintext { get; }

    /// <summary>The CA (PEM) that issued the nodes' TLS certificate: what adapters trust.</summary>
    public string CaFile { get; }

    /// <summary>The nodes' TLS certificate (PEM; ECDSA P-256, names <c>127.0.0.1</c> and <c>localhost</c>).</summary>
    public string CertificateFile { get; }

    /// <summary>The certificate's key (PEM, mode 0600: the nodes run as the test's user).</summary>
    public string KeyFile { get; }

    /// <summary>The CA certificate (no key).</summary>
    public X509Certificate2 Ca { get; private set; } = null!;


    /// <summary>The base of the auth backend's URLs, e.g. <c>http://rabbitmq:SECRET@127.0.0.1:PORT/broker/auth</c>.</summary>
    public string AuthBase => _authBase;

    /// <summary>Every node's AMQP listener, <c>127.0.0.1:port</c>.</summary>
    public IEnumerable<string> AmqpNodes => Nodes.Select(n => $"127.0.0.1:{n.AmqpPort}");

    /// <summary>Every node's management API, <c>http://127.0.0.1:port</c>.</summary>
    public IEnumerable<string> ManagementNodes => Nodes.Select(n => $"http://127.0.0.1:{n.ManagementPort}");

    /// <summary>Every node's plaintext MQTT listener, <c>127.0.0.1:port</c> (listening only with <see cref="Plaintext"/>).</summary>
    public IEnumerable<string> MqttNodes => Nodes.Select(n => $"127.0.0.1:{n.MqttPort}");

    /// <summary>Every node's MQTT-over-TLS listener, <c>127.0.0.1:port</c>.</summary>
    public IEnumerable<string> MqttTlsNodes => Nodes.Select(n => $"127.0.0.1:{n.MqttTlsPort}");

    /// <summary>Starts <paramref name="count"/> nodes and joins them to the first.</summary>
    /// <param name="count">Nodes.</param>
    /// <param name="authBase">Where the gateway answers the HTTP auth backend (with the shared secret as the URL's user info).</param>
    /// <param name="plaintext">Whether the nodes also listen for plaintext MQTT (a benchmark's choice; TLS only otherwise).</param>
    public static async Task<RabbitCluster> StartAsync(int count, string authBase, bool plaintext = false)
    {
        if (!File.Exists(Path.Combine(Scripts, "rabbitmq-server")))
        {
            throw new InvalidOperationException("Debian's rabbitmq-server is not installed: run ./tools/test --scale, which installs it.");
        }

        var root = Path.Combine(Path.GetTempPath(), "ata-rabbit", Guid.NewGuid().ToString("N")[..12]);
        var cluster = new RabbitCluster(root, FreePort(), authBase, count, plaintext);
        try
        {
            cluster.MakeCertificates();
            Directory.CreateDirectory(cluster._home);
            var cookie = Path.Combine(cluster._home, ".erlang.cookie");
            await File.WriteAllTextAsync(cookie, Guid.NewGuid().ToString("N").ToUpperInvariant());
            File.SetUnixFileMode(cookie, UnixFileMode.UserRead);
            await Task.WhenAll(cluster.Nodes.Select(n => n.StartAsync()));
            var first = cluster.Nodes[0];
            foreach (var node in cluster.Nodes.Skip(1))
            {
                await node.CtlAsync("stop_app");
                await node.CtlAsync("join_cluster", first.Name);
                await node.CtlAsync("start_app");
            }

            foreach (var node in cluster.Nodes)
            {
                await node.CtlAsync("await_startup", "--timeout", "120");
            }


            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Makes a CA and a server certificate from it (ECDSA P-256, naming <c>127.0.0.1</c> and
    /// <c>localhost</c>, serverAuth) in the cluster's <c>tls/</c> folder, the key files 0600.
    /// </summary>
    private void MakeCertificates()
    {
        var folder = Path.GetDirectoryName(CaFile)!;
        Directory.CreateDirectory(folder);
        var now = DateTimeOffset.UtcNow;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Ata scale tests cluster CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        using var ca = caRequest.CreateSelfSigned(now.AddHours(-1), now.AddDays(30));

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var serverRequest = new CertificateRequest("CN=localhost", serverKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        serverRequest.CertificateExtensions.Add(names.Build());
        serverRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        serverRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        serverRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        serverRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        using var server = serverRequest.Create(ca, now.AddHours(-1), now.AddDays(30), serial);

        File.WriteAllText(CaFile, ca.ExportCertificatePem() + "\n");
        File.WriteAllText(CertificateFile, server.ExportCertificatePem() + "\n");
        File.WriteAllText(KeyFile, string.Empty);
        File.SetUnixFileMode(KeyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.WriteAllText(KeyFile, serverKey.ExportPkcs8PrivateKeyPem() + "\n");
        Ca = X509CertificateLoader.LoadCertificate(ca.RawData);
    }

    /// <summary>Where the nodes' logs of the last cluster are kept for a look after a failed run.</summary>
    public static string LastLogs => Path.Combine(Path.GetTempPath(), "ata-rabbit-last-logs");

    public async ValueTask DisposeAsync()
    {
        Directory.CreateDirectory(LastLogs);
        foreach (var node in Nodes)
        {
            node.Kill();
            await File.WriteAllTextAsync(Path.Combine(LastLogs, node.Name + ".log"), node.Output);
        }

        // The cluster's own port mapper (started by its first node); no other Erlang node uses its port.
        try
        {
            await RunAsync("epmd", ["-kill"], TimeSpan.FromSeconds(10));
        }
        catch (Exception exception) when (exception is InvalidOperationException or System.ComponentModel.Win32Exception or TimeoutException)
        {
        }

        Ca?.Dispose();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Runs a RabbitMQ or Erlang tool with the cluster's environment; returns its output or throws with it.</summary>
    internal async Task<string> RunAsync(string tool, IEnumerable<string> arguments, TimeSpan timeout, RabbitNode? node = null)
    {
        var start = new ProcessStartInfo(tool.Contains('/', StringComparison.Ordinal) || tool == "epmd" ? tool : Path.Combine(Scripts, tool))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Environment(start, node);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{tool} did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{tool} {string.Join(' ', arguments)} did not finish within {timeout.TotalSeconds} s");
        }

        var text = await output + await error;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{tool} {string.Join(' ', arguments)} failed ({process.ExitCode}): {text}");
        }

        return text;
    }

    /// <summary>The environment every node and tool of this cluster runs with.</summary>
    internal void Environment(ProcessStartInfo start, RabbitNode? node)
    {
        start.Environment["HOME"] = _home;
        start.Environment["ERL_EPMD_PORT"] = _epmdPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["ERL_EPMD_ADDRESS"] = "127.0.0.1";
        if (node is not null)
        {
            node.Environment(start);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>One node of a <see cref="RabbitCluster"/>.</summary>
internal sealed class RabbitNode(RabbitCluster cluster, string name, string directory, int amqpPort, int mqttPort, int mqttTlsPort, int distributionPort, int managementPort)
{
    private readonly StringBuilder _output = new();
    private Process? _process;

    public string Name { get; } = name;

    public int AmqpPort { get; } = amqpPort;

    /// <summary>The plaintext MQTT port (listening only when the cluster's <see cref="RabbitCluster.Plaintext"/>).</summary>
    public int MqttPort { get; } = mqttPort;

    /// <summary>The MQTT-over-TLS port.</summary>
    public int MqttTlsPort { get; } = mqttTlsPort;

    public int ManagementPort { get; } = managementPort;

    /// <summary>What the node printed (its log goes to standard output).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Writes the node's config and starts it (a node started before rejoins its cluster).</summary>
    public async Task StartAsync()
    {
        Directory.CreateDirectory(Path.Combine(directory, "data"));
        Directory.CreateDirectory(Path.Combine(directory, "log"));
        await File.WriteAllTextAsync(Path.Combine(directory, "enabled_plugins"), "[rabbitmq_mqtt,rabbitmq_auth_backend_http,rabbitmq_management].\n");
        var auth = cluster.AuthBase;
        await File.WriteAllTextAsync(Path.Combine(directory, "rabbitmq.conf"), $"""
            listeners.tcp.default = 127.0.0.1:{AmqpPort}
            {(cluster.Plaintext ? $"mqtt.listeners.tcp.default = 127.0.0.1:{MqttPort}" : "mqtt.listeners.tcp = none")}
            mqtt.listeners.ssl.default = 127.0.0.1:{MqttTlsPort}
            ssl_options.cacertfile = {cluster.CaFile}
            ssl_options.certfile = {cluster.CertificateFile}
            ssl_options.keyfile = {cluster.KeyFile}
            ssl_options.verify = verify_none
            ssl_options.fail_if_no_peer_cert = false
            management.tcp.ip = 127.0.0.1
            management.tcp.port = {ManagementPort}
            mqtt.allow_anonymous = false
            mqtt.vhost = /
            mqtt.exchange = amq.topic
            mqtt.retained_message_store = rabbit_mqtt_retained_msg_store_noop
            auth_backends.1 = http
            auth_http.http_method = post
            auth_http.user_path = {auth}/user
            auth_http.vhost_path = {auth}/vhost
            auth_http.resource_path = {auth}/resource
            auth_http.topic_path = {auth}/topic
            loopback_users = none
            cluster_partition_handling = pause_minority

            """);
        var start = new ProcessStartInfo(Path.Combine(RabbitCluster.Scripts, "rabbitmq-server"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        cluster.Environment(start, this);
        File.Delete(Path.Combine(directory, "pid"));
        var process = Process.Start(start) ?? throw new InvalidOperationException("rabbitmq-server did not start");
        process.OutputDataReceived += (_, line) => Keep(line.Data);
        process.ErrorDataReceived += (_, line) => Keep(line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        // Waits for the node's pid file, then for the node to have started (await_startup fails at once before the node has registered).
        await CtlAsync("wait", Path.Combine(directory, "pid"), "--timeout", "120");
    }

    /// <summary>Stops the node at once (SIGKILL, as a crash or a pulled plug): no goodbye to its clients or peers.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(10_000);
        }
    }

    /// <summary>Runs <c>rabbitmqctl -n NODE …</c>.</summary>
    public Task<string> CtlAsync(params string[] arguments) =>
        cluster.RunAsync("rabbitmqctl", ["-n", Name, .. arguments], TimeSpan.FromSeconds(150), this);

    internal void Environment(ProcessStartInfo start)
    {
        var invariant = System.Globalization.CultureInfo.InvariantCulture;
        start.Environment["RABBITMQ_NODENAME"] = Name;
        start.Environment["RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS"] = "-kernel inet_dist_use_interface {127,0,0,1}";
        start.Environment["RABBITMQ_DIST_PORT"] = distributionPort.ToString(invariant);
        start.Environment["RABBITMQ_CONFIG_FILE"] = Path.Combine(directory, "rabbitmq.conf");
        start.Environment["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(directory, "enabled_plugins");
        start.Environment["RABBITMQ_MNESIA_BASE"] = Path.Combine(directory, "data");
        start.Environment["RABBITMQ_LOG_BASE"] = Path.Combine(directory, "log");
        start.Environment["RABBITMQ_PID_FILE"] = Path.Combine(directory, "pid");
        start.Environment["RABBITMQ_LOGS"] = "-";
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
