using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
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
/// <see cref="AuthBase"/>. Everything is stopped and removed on dispose.
/// </summary>
internal sealed class RabbitCluster : IAsyncDisposable
{
    public const string Scripts = "/usr/lib/rabbitmq/bin";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);

    private readonly string _root;
    private readonly string _home;
    private readonly int _epmdPort;
    private readonly string _authBase;

    private RabbitCluster(string root, int epmdPort, string authBase, int count)
    {
        _root = root;
        _home = Path.Combine(root, "home");
        _epmdPort = epmdPort;
        _authBase = authBase;
        var prefix = "ata" + Guid.NewGuid().ToString("N")[..6];
        for (var i = 1; i <= count; i++)
        {
            Nodes.Add(new RabbitNode(this, $"{prefix}-{i}@localhost", Path.Combine(root, $"node{i}"), FreePort(), FreePort(), FreePort(), FreePort()));
        }
    }

    public List<RabbitNode> Nodes { get; } = [];


    /// <summary>The base of the auth backend's URLs, e.g. <c>http://rabbitmq:SECRET@127.0.0.1:PORT/broker/auth</c>.</summary>
    public string AuthBase => _authBase;

    /// <summary>Every node's AMQP listener, <c>127.0.0.1:port</c>.</summary>
    public IEnumerable<string> AmqpNodes => Nodes.Select(n => $"127.0.0.1:{n.AmqpPort}");

    /// <summary>Every node's management API, <c>http://127.0.0.1:port</c>.</summary>
    public IEnumerable<string> ManagementNodes => Nodes.Select(n => $"http://127.0.0.1:{n.ManagementPort}");

    /// <summary>Every node's MQTT listener, <c>127.0.0.1:port</c>.</summary>
    public IEnumerable<string> MqttNodes => Nodes.Select(n => $"127.0.0.1:{n.MqttPort}");

    /// <summary>Starts <paramref name="count"/> nodes and joins them to the first.</summary>
    /// <param name="count">Nodes.</param>
    /// <param name="authBase">Where the gateway answers the HTTP auth backend (with the shared secret as the URL's user info).</param>
    public static async Task<RabbitCluster> StartAsync(int count, string authBase)
    {
        if (!File.Exists(Path.Combine(Scripts, "rabbitmq-server")))
        {
            throw new InvalidOperationException("Debian's rabbitmq-server is not installed: run ./tools/test --scale, which installs it.");
        }

        var root = Path.Combine(Path.GetTempPath(), "ata-rabbit", Guid.NewGuid().ToString("N")[..12]);
        var cluster = new RabbitCluster(root, FreePort(), authBase, count);
        try
        {
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
internal sealed class RabbitNode(RabbitCluster cluster, string name, string directory, int amqpPort, int mqttPort, int distributionPort, int managementPort)
{
    private readonly StringBuilder _output = new();
    private Process? _process;

    public string Name { get; } = name;

    public int AmqpPort { get; } = amqpPort;

    public int MqttPort { get; } = mqttPort;

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
            mqtt.listeners.tcp.default = 127.0.0.1:{MqttPort}
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
