using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Ata.Mqtt.Tests.Fixtures;

/// <summary>Who may connect to a test broker, and what they may do.</summary>
internal sealed record BrokerSecurity
{
    /// <summary>Users for a <c>password_file</c> written with <c>mosquitto_passwd</c>.</summary>
    public IReadOnlyDictionary<string, string> Users { get; init; } = new Dictionary<string, string>();

    /// <summary>The text of an <c>acl_file</c>, or null for none.</summary>
    public string? Acl { get; init; }

    /// <summary>A dynamic-security plugin configuration (see <see cref="DynamicSecurity"/>), or null for none.</summary>
    public string? DynamicSecurityJson { get; init; }
}

/// <summary>
/// A real Mosquitto broker on a free loopback port, with a generated config in a temporary
/// folder; every line it logs is kept so tests can wait for what the broker did.
/// </summary>
internal sealed class MosquittoBroker : IAsyncDisposable
{
    private const string Executable = "/usr/sbin/mosquitto";
    private const string DynamicSecurityPlugin = "/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(10);
    private static readonly ConcurrentDictionary<Process, bool> Running = new();

    static MosquittoBroker()
    {
        // A test run that ends without disposing its fixtures must not leave brokers behind.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var process in Running.Keys)
            {
                try
                {
                    process.Kill();
                }
                catch (InvalidOperationException)
                {
                    // Already gone.
                }
            }
        };
    }

    private readonly string _directory;
    private readonly string _configPath;
    private readonly Lock _gate = new();
    private readonly List<string> _lines = [];
    private readonly List<(string Text, int From, TaskCompletionSource<string> Found)> _waiters = [];
    private Process? _process;

    private MosquittoBroker(int port, BrokerSecurity? security)
    {
        Port = port;
        _directory = Path.Combine(Path.GetTempPath(), $"ata-mqtt-test-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_directory);
        _configPath = Path.Combine(_directory, "mosquitto.conf");
        File.WriteAllText(_configPath, WriteConfig(security));
    }

    public string Host => "127.0.0.1";

    public int Port { get; }

    /// <summary>The number of log lines so far: pass it to <see cref="WaitForLogAsync"/> to wait for a later line.</summary>
    public int LogMark
    {
        get
        {
            lock (_gate)
            {
                return _lines.Count;
            }
        }
    }

    public string Log
    {
        get
        {
            lock (_gate)
            {
                return string.Join('\n', _lines);
            }
        }
    }

    /// <summary>A broker with its config written and a free port reserved, not yet running.</summary>
    public static MosquittoBroker Prepare(BrokerSecurity? security = null) => new(FreePort(), security);

    /// <summary>Starts a broker on a free port (trying another port if one was taken meanwhile).</summary>
    public static async Task<MosquittoBroker> StartNewAsync(BrokerSecurity? security = null)
    {
        for (int attempt = 1; ; attempt++)
        {
            var broker = Prepare(security);
            try
            {
                await broker.StartAsync();
                return broker;
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
                // Another process took the port between reserving and binding it.
                await broker.DisposeAsync();
            }
            catch
            {
                await broker.DisposeAsync();
                throw;
            }
        }
    }

    public async Task StartAsync()
    {
        int mark = LogMark;
        var process = new Process
        {
            StartInfo = new ProcessStartInfo(Executable, ["-c", _configPath])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            },
            EnableRaisingEvents = true,
        };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException($"{Executable} did not start.");
        }

        _process = process;
        Running[process] = true;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        try
        {
            var running = WaitForLogAsync(" running", mark, StartTimeout);
            var exited = process.WaitForExitAsync();
            if (await Task.WhenAny(running, exited) != running)
            {
                throw new InvalidOperationException($"mosquitto exited with code {process.ExitCode} on port {Port}:\n{Log}");
            }

            await running;
            using var probe = new TcpClient();
            await probe.ConnectAsync(IPAddress.Loopback, Port);
        }
        catch
        {
            await StopAsync();
            throw;
        }
    }

    /// <summary>Kills the broker (SIGKILL: no goodbye to its clients) and waits until it is gone.</summary>
    public async Task StopAsync()
    {
        if (_process is not { } process)
        {
            return;
        }

        _process = null;
        Running.TryRemove(process, out _);
        if (!process.HasExited)
        {
            process.Kill();
        }

        await process.WaitForExitAsync();
        process.Dispose();
    }

    /// <summary>Completes with the first log line at or after <paramref name="from"/> that contains <paramref name="text"/>.</summary>
    public Task<string> WaitForLogAsync(string text, int from, TimeSpan timeout)
    {
        var found = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            for (int i = from; i < _lines.Count; i++)
            {
                if (_lines[i].Contains(text, StringComparison.Ordinal))
                {
                    return Task.FromResult(_lines[i]);
                }
            }

            _waiters.Add((text, from, found));
        }

        return WaitAsync();

        async Task<string> WaitAsync()
        {
            try
            {
                return await found.Task.WaitAsync(timeout);
            }
            catch (TimeoutException)
            {
                throw new TimeoutException($"mosquitto did not log '{text}' within {timeout.TotalSeconds} s. Its log:\n{Log}");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        List<TaskCompletionSource<string>> found = [];
        lock (_gate)
        {
            _lines.Add(line);
            int index = _lines.Count - 1;
            _waiters.RemoveAll(waiter =>
            {
                if (index >= waiter.From && line.Contains(waiter.Text, StringComparison.Ordinal))
                {
                    found.Add(waiter.Found);
                    return true;
                }

                return false;
            });
        }

        found.ForEach(waiter => waiter.TrySetResult(line));
    }

    private string WriteConfig(BrokerSecurity? security)
    {
        var config = new StringBuilder();
        config.AppendLine($"listener {Port} 127.0.0.1");
        config.AppendLine("persistence false");
        config.AppendLine("log_dest stderr");
        config.AppendLine("log_type all");
        config.AppendLine("log_timestamp false");
        config.AppendLine("connection_messages true");
        if (security is null)
        {
            config.AppendLine("allow_anonymous true");
            return config.ToString();
        }

        config.AppendLine("allow_anonymous false");
        if (security.Users.Count > 0)
        {
            string passwords = Path.Combine(_directory, "passwords");
            bool first = true;
            foreach (var (user, password) in security.Users)
            {
                RunPasswd(first ? ["-b", "-c", passwords, user, password] : ["-b", passwords, user, password]);
                first = false;
            }

            config.AppendLine($"password_file {passwords}");
        }

        if (security.Acl is { } acl)
        {
            string aclPath = Path.Combine(_directory, "acl");
            File.WriteAllText(aclPath, acl);
            config.AppendLine($"acl_file {aclPath}");
        }

        if (security.DynamicSecurityJson is { } json)
        {
            string jsonPath = Path.Combine(_directory, "dynamic-security.json");
            File.WriteAllText(jsonPath, json);
            config.AppendLine($"plugin {DynamicSecurityPlugin}");
            config.AppendLine($"plugin_opt_config_file {jsonPath}");
        }

        return config.ToString();
    }

    private static void RunPasswd(string[] arguments)
    {
        using var passwd = Process.Start(new ProcessStartInfo("mosquitto_passwd", arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        }) ?? throw new InvalidOperationException("mosquitto_passwd did not start.");
        string errors = passwd.StandardError.ReadToEnd();
        passwd.WaitForExit();
        if (passwd.ExitCode != 0)
        {
            throw new InvalidOperationException($"mosquitto_passwd failed: {errors}");
        }
    }
}
