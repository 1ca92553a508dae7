using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Ata.Core;
using Ata.Core.Contract;
using Ata.Core.Dtmf;
using Ata.Core.Hardware;
using Ata.Core.Health;
using Ata.Core.Provisioning;
using Ata.Core.Telephony;

namespace Ata.Sim;

/// <summary>The simulator could not start (a socket, the console's pty); told in one line.</summary>
internal sealed class SimStartException(string message) : Exception(message);

/// <summary>
/// Hosts the core on .NET: one thread owns the <see cref="Adapter"/> and feeds it inputs from the
/// UDP socket, MQTT and stdin, with the time from a monotonic clock, ticking every 20 ms.
/// </summary>
internal sealed class SimHost : IDisposable
{
    private const int TickMs = 20;

    private readonly SimOptions _options;
    private readonly BlockingCollection<Action> _inbox = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly EventPrinter _events;
    private readonly SimDevice _device;
    private string? _secret;
    private readonly CancellationTokenSource _stop = new();
    private UdpSipSocket? _socket;
    private TcpSipTransport? _tcp;
    private MqttSession? _mqtt;
    private Adapter? _adapter;
    private readonly Ata.Core.Console.RecentLog _recentLog = new(Ata.Core.Console.RecentLog.DefaultCapacity);
    private SimConsole? _console;
    private ToneRecorder? _recorder;

    // Hook and key actions spread over time (pulses, flashes, DTMF digits); touched by the loop thread only.
    // Each runs with its own scheduled time, so hook edges keep their spacing when the loop is late.
    private readonly List<(long At, Action<long> Action)> _timed = [];

    public SimHost(SimOptions options)
    {
        _options = options;
        _events = new EventPrinter(options.JsonEvents, Console.Out);
        _device = new SimDevice(options.DeviceId);
        _secret = options.Secret;
    }

    private long Now => _clock.ElapsedMilliseconds;

    public int Run()
    {
        string peer = _options.GatewayMode ? _options.BrokerHost! : RegistrarHost(_options.OutboundProxy ?? _options.Registrar!);
        string local = _options.LocalAddress ?? SystemResolver.LocalAddressTowards(peer);
        try
        {
            _socket = new UdpSipSocket(local,
                (data, n) => _inbox.Add(() => _adapter!.OnDatagram(data, n, Now)),
                (address, port) => _inbox.Add(() => _adapter!.OnUnreachable(address, port, Now)));
        }
        catch (System.Net.Sockets.SocketException e)
        {
            throw new SimStartException($"cannot open the SIP socket: {e.Message}");
        }

        _tcp = new TcpSipTransport(
            (connection, data) => _inbox.Add(() => _adapter!.OnStreamData(connection, data, data.Length, Now)),
            connection => _inbox.Add(() => _adapter!.OnStreamClosed(connection, Now)));
        Boot();
        Log($"adapter {_options.DeviceId} started; SIP on {local}:{_socket.LocalPort}");
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        new Thread(ReadStdin) { IsBackground = true, Name = "stdin" }.Start();

        if (_options.GatewayMode)
        {
            StartMqtt();
        }
        else
        {
            ApplyStandaloneConfig();
        }

        // The console opens once the standalone configuration is queued, so a technician's first
        // command already sees it.
        _console = SimConsole.StartIfAsked(_options, _adapter!, _inbox, () => Now, _events, _recentLog, Log);
        if (_console is not null)
        {
            _console.Reboot = Reboot;
        }

        Loop();
        Shutdown();
        return 0;
    }

    public void Dispose()
    {
        _recorder?.Dispose();
        _console?.Dispose();
        _mqtt?.Dispose();
        _socket?.Dispose();
        _tcp?.Dispose();
        _stop.Dispose();
        _inbox.Dispose();
    }

    /// <summary>Creates the adapter, as the board does at power-on and after every reboot.</summary>
    private void Boot()
    {
        _adapter = new Adapter(_options.DeviceId, _device, _socket, new SystemResolver(),
            new ILed[4], new Ata.Core.Console.LoggingEvents(_recentLog, _events), new Random(), Now)
        {
            HealthIntervalMs = _options.HealthIntervalSeconds * 1000L,
            Ringer = new SimRinger(_events),
        };
        if (_options.TonesWavDirectory is { } wavDirectory)
        {
            _recorder?.Dispose();
            _recorder = new ToneRecorder(wavDirectory);
            _adapter.Audio = _recorder;
            _events.ToneObserver = _recorder.Begin;
        }
        _adapter.UseStreamTransport(_tcp!);
        if (_options.DnsServer is not null)
        {
            string? dnsError = LineConfig.ParseRegistrar(_options.DnsServer, out string dnsHost, out int dnsPort, out bool dnsPortGiven);
            if (dnsError is not null || !Ata.Core.Sip.SipText.IsIPv4Literal(dnsHost))
            {
                throw new UsageException($"--dns-server '{_options.DnsServer}' is not an IPv4 address with an optional port");
            }

            _adapter.UseDnsServer(dnsHost, dnsPortGiven ? dnsPort : 53);
        }
    }


    /// <summary>
    /// A reboot asked by the gateway or at the console: the adapter starts again from nothing and
    /// gets its configuration again (the retained config, or the command line).
    /// </summary>
    private void Reboot()
    {
        _events.Host("rebooting");
        DisconnectMqtt();
        _mqtt?.Dispose();
        _mqtt = null;
        _device.ResetReason = "software";
        Boot();
        _console?.Attach(_adapter!);
        if (_options.GatewayMode)
        {
            StartMqtt();
        }
        else
        {
            ApplyStandaloneConfig();
        }
    }

    /// <summary>What the adapter asked of its host after an input: a reboot, or a new device secret to connect with.</summary>
    private void CarryOutAdapterRequests()
    {
        if (_adapter is null)
        {
            return;
        }

        if (_adapter.TakeNewDeviceSecret() is { } secret && secret != _secret)
        {
            // The gateway rotated the device secret: the acknowledgement goes out on this connection,
            // then the adapter connects again with the new secret (retrying until the broker knows it).
            _secret = secret;
            _events.Host("device-secret-rotated");
            if (_options.GatewayMode)
            {
                // Disconnect lets the acknowledgement out first and leaves without the will.
                _mqtt?.Disconnect(TimeSpan.FromSeconds(5));
                _mqtt?.Dispose();
                StartMqtt();
            }
        }

        if (_adapter.RebootRequested)
        {
            Reboot();
        }
    }

    private void Loop()
    {
        long nextTick = Now;
        while (!_stop.IsCancellationRequested)
        {
            RunDueActions();
            long due = nextTick;
            foreach (var (at, _) in _timed)
            {
                due = Math.Min(due, at);
            }

            int wait = (int)Math.Max(0, due - Now);
            try
            {
                if (_inbox.TryTake(out var action, wait, _stop.Token))
                {
                    action();
                    CarryOutAdapterRequests();
                    continue;
                }
            }
            catch (OperationCanceledException)
            {
                break;
            }

            RunDueActions();
            if (Now >= nextTick)
            {
                _adapter!.Tick(Now);
                nextTick = Now + TickMs;
            }
        }
    }

    private void RunDueActions()
    {
        while (_timed.Count > 0)
        {
            int first = 0;
            for (int i = 1; i < _timed.Count; i++)
            {
                if (_timed[i].At < _timed[first].At)
                {
                    first = i;
                }
            }

            if (_timed[first].At > Now)
            {
                return;
            }

            var (at, action) = _timed[first];
            _timed.RemoveAt(first);
            action(at);
        }
    }

    /// <summary>Runs <paramref name="action"/> on the loop thread <paramref name="delayMs"/> from when it is scheduled.</summary>
    private void After(long delayMs, Action<long> action) => _inbox.Add(() => _timed.Add((Now + delayMs, action)));

    private void Flash(int line)
    {
        _inbox.Add(() =>
        {
            long breakMs = (HookDecoder.PulseBreakMaxMs + _adapter!.FlashMaxMs(line)) / 2;
            _adapter.OnHook(line, false, Now);
            _timed.Add((Now + breakMs, at => _adapter.OnHook(line, true, at)));
        });
    }

    private void Pulse(int line, int pulses)
    {
        // 10 pulses a second: 60 ms break, 40 ms make, all timed from one start.
        _inbox.Add(() =>
        {
            long start = Now;
            for (int k = 0; k < pulses; k++)
            {
                _timed.Add((start + (k * 100L), at => _adapter!.OnHook(line, false, at)));
                _timed.Add((start + (k * 100L) + 60, at => _adapter!.OnHook(line, true, at)));
            }
        });
    }

    private void Dial(int line, string keys)
    {
        // Each key sounds 80 ms, then 80 ms of silence, as a tone phone sends them.
        const int ToneSamples = 640;
        for (int k = 0; k < keys.Length; k++)
        {
            char key = keys[k];
            var samples = new short[ToneSamples * 2];
            DtmfKeypad.Synthesize(key, 5000, samples, 0, ToneSamples, 0);
            After(k * 160L, _ => _adapter!.OnAudio(line, samples, 0, samples.Length, Now));
        }
    }

    private void ApplyStandaloneConfig()
    {
        string? error = LineConfig.ParseRegistrar(_options.Registrar, out string host, out int port, out bool portGiven);
        if (error is not null)
        {
            throw new UsageException($"--registrar: {error}");
        }

        var line = new LineConfig(1, _options.SipUser, null, _options.SipPassword, host, port, _options.Expires ?? LineConfig.DefaultExpires)
        {
            RegistrarPortGiven = portGiven,
            Transport = _options.Transport,
        };
        if (_options.SecondaryRegistrar is not null)
        {
            error = LineConfig.ParseRegistrar(_options.SecondaryRegistrar, out string secondaryHost, out int secondaryPort, out bool secondaryPortGiven);
            if (error is not null)
            {
                throw new UsageException($"--secondary-registrar: {error}");
            }

            line.SecondaryHost = secondaryHost;
            line.SecondaryPort = secondaryPort;
            line.SecondaryPortGiven = secondaryPortGiven;
        }

        if (_options.OutboundProxy is not null)
        {
            error = LineConfig.ParseRegistrar(_options.OutboundProxy, out string proxyHost, out int proxyPort, out bool proxyPortGiven);
            if (error is not null)
            {
                throw new UsageException($"--outbound-proxy: {error}");
            }

            line.ProxyHost = proxyHost;
            line.ProxyPort = proxyPort;
            line.ProxyPortGiven = proxyPortGiven;
        }

        line.KeepAliveSeconds = _options.KeepAliveSeconds ?? line.KeepAliveSeconds;
        line.RetryBaseSeconds = _options.RetryBaseSeconds ?? line.RetryBaseSeconds;
        line.RetryMaxSeconds = Math.Max(line.RetryBaseSeconds, _options.RetryMaxSeconds ?? line.RetryMaxSeconds);
        _inbox.Add(() => _adapter!.Apply(new ProvisioningDocument(0, [line, null!]), Now));
    }

    private void StartMqtt()
    {
        var mqtt = new MqttSession(
            new MqttSessionOptions(_options.BrokerHost!, _options.BrokerPort, _options.DeviceId, _options.DeviceId, _secret,
                MqttTopics.For(_options.DeviceId, MqttTopics.Status), MqttTopics.Offline),
            Log);
        mqtt.Connected = () => _inbox.Add(() =>
        {
            _events.Host("mqtt-connected", $"{_options.BrokerHost}:{_options.BrokerPort}");
            _adapter!.OnMqttConnected(mqtt, Now);
        });
        mqtt.Lost = reason => _inbox.Add(() =>
        {
            _events.Host("mqtt-disconnected", reason);
            _adapter!.OnMqttDisconnected(Now);
        });
        mqtt.MessageReceived = (topic, payload) => _inbox.Add(() => _adapter!.OnMqttMessage(topic, payload, Now));
        _mqtt = mqtt;
        mqtt.Connect();
        Log($"connecting to broker {_options.BrokerHost}:{_options.BrokerPort} as {_options.DeviceId}");
    }

    private void ReadStdin()
    {
        string? line;
        while ((line = Console.In.ReadLine()) is not null)
        {
            string[] words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (words.Length == 0)
            {
                continue;
            }

            // dial and pulse take their argument first, then the line.
            int lineAt = words[0] is "dial" or "pulse" ? 2 : 1;
            int lineNumber = words.Length > lineAt && int.TryParse(words[lineAt], out int n) ? n : 1;
            if (words[0] != "wan" && lineNumber is < 1 or > Adapter.LineCount)
            {
                Log($"'{line}': the adapter has lines 1 and 2");
                continue;
            }

            switch (words[0])
            {
                case "offhook": _inbox.Add(() => _adapter!.OnHook(lineNumber, true, Now)); break;
                case "onhook": _inbox.Add(() => _adapter!.OnHook(lineNumber, false, Now)); break;
                case "flash": Flash(lineNumber); break;
                case "ring": _inbox.Add(() => _adapter!.Ring(lineNumber, Now)); break;
                case "stopring": _inbox.Add(() => _adapter!.StopRinging(lineNumber, Now)); break;
                case "dial" when words.Length > 1 && words[1].All(c => DtmfKeypad.Keys.Contains(c, StringComparison.Ordinal)):
                    Dial(lineNumber, words[1]);
                    break;
                case "dial": Log($"'{line}': dial takes DTMF keys 0-9 * # (A-D), e.g. dial 22334455"); break;
                case "pulse" when words.Length > 1 && int.TryParse(words[1], out int pulses) && pulses is >= 1 and <= 10:
                    Pulse(lineNumber, pulses);
                    break;
                case "pulse": Log($"'{line}': pulse takes a count from 1 to 10 (10 is the digit 0)"); break;
                case "wan" when words.Length > 1 && words[1] == "down": _inbox.Add(() => _adapter!.SetWan(WanState.Down, null!, Now)); break;
                case "wan" when words.Length > 1 && words[1] == "up": _inbox.Add(() => _adapter!.SetWan(WanState.Online, _socket!.LocalAddress, Now)); break;
                case "quit": Stop(null); return;
                default: Log($"unknown action '{line}' (offhook, onhook, flash, dial DIGITS, pulse N, ring, stopring [LINE]; wan down, wan up, quit)"); break;
            }
        }

        // End of input is not a request to stop: the adapter runs until it is told to quit or signalled.
    }

    private void Stop(PosixSignalContext? context)
    {
        if (context is not null)
        {
            context.Cancel = true;
        }

        try
        {
            _stop.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private void Shutdown()
    {
        _events.Host("stopping");
        DisconnectMqtt();
    }

    /// <summary>A clean goodbye to the broker: status offline (retained), then DISCONNECT, so no Last Will fires.</summary>
    private void DisconnectMqtt()
    {
        if (_mqtt is { IsConnected: true })
        {
            _mqtt.Publish(MqttTopics.For(_options.DeviceId, MqttTopics.Status), MqttTopics.Offline, MqttTopics.ReliableQos, true);
            _mqtt.Disconnect(TimeSpan.FromSeconds(2));
        }
    }

    private static string RegistrarHost(string registrar) =>
        LineConfig.ParseRegistrar(registrar, out string host, out _) is null ? host : "127.0.0.1";

    private static void Log(string message) => Console.Error.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {message}");
}
