using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Ata.Core;
using Ata.Core.Console;
using Ata.Core.Hardware;
using Ata.Core.Health;
using Ata.Core.Host;
using Ata.Core.Provisioning;
using Ata.Core.Settings;

namespace Ata.Sim;

/// <summary>The simulator could not start (a socket, a pseudo-terminal); told in one line.</summary>
internal sealed class SimStartException(string message) : Exception(message);

/// <summary>
/// Hosts the core on .NET, as the board's firmware does: one thread owns the <see cref="Adapter"/>,
/// feeds it inputs (UDP, TCP, MQTT, stdin, the console) with the time from a monotonic clock, ticks
/// it every 20 ms and carries out what it asks (<see cref="HostRequest"/>). Every decision is the core's.
/// </summary>
internal sealed class SimHost : IDisposable, ISimMqttEvents, IHostActions
{
    private const int TickMs = 20;
    private const int CatchUpMs = 1000;
    private const string ProvisioningRecord = "provisioning";

    private readonly SimOptions _options;
    private readonly BlockingCollection<Action> _inbox = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly CancellationTokenSource _stop = new();
    private readonly EventPrinter _events;
    private readonly SimDevice _device;
    private readonly RecentLog _recentLog = new(RecentLog.DefaultCapacity);
    private readonly SimConfigStore _store;
    private readonly SimMqtt _mqtt;
    private SimSockets? _sockets;
    private readonly SimMediaPorts?[] _media = new SimMediaPorts?[Adapter.LineCount];
    private readonly SimMicrophone[] _microphones = [new(), new()];
    private readonly short[] _heard = new short[SimMicrophone.FrameSamples];
    private long _heardAt;
    private SimPhone? _phone;
    private SimConsole? _console;
    private ToneRecorder? _recorder;
    private Adapter? _adapter;
    private string? _secret;
    private string? _broker;
    private bool _erased;

    public SimHost(SimOptions options)
    {
        _options = options;
        _events = new EventPrinter(options.JsonEvents, Console.Out);
        _device = new SimDevice(options.DeviceId);
        _store = new SimConfigStore(options.StoreDirectory);
        _secret = options.Secret;
        _mqtt = new SimMqtt(this, Log, _options.BrokerCa);
    }

    private long Now => _clock.ElapsedMilliseconds;

    private Adapter Adapter => _adapter!;

    public int Run()
    {
        ProvisioningDocument? standalone = _options.GatewayMode || _options.BoardMode ? null : StandaloneConfig.From(_options);
        _sockets = SimSockets.Open(_options, () => Adapter, Post);
        for (int i = 0; i < Adapter.LineCount; i++)
        {
            int line = i + 1;
            _media[i] = SimMediaPorts.Open(_sockets.LocalAddress,
                (data, n, address, port) => Post(now => Adapter.OnRtp(line, data, n, address, port, now)),
                (data, n, address, port) => Post(now => Adapter.OnRtcp(line, data, n, address, port, now)));
        }

        _phone = new SimPhone(() => Adapter, _sockets.LocalAddress, _microphones, Post, Log, () => Stop(null));
        if (standalone is not null)
        {
            _store.Write(ProvisioningRecord, standalone.ToJson());
        }

        Boot();
        Log($"adapter {_options.DeviceId} started; SIP on {_sockets.LocalAddress}:{_sockets.Udp.LocalPort}");
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        new Thread(_phone.ReadStdin) { IsBackground = true, Name = "stdin" }.Start();
        _console = SimConsole.StartIfAsked(_options, Adapter, _store, _inbox, () => Now, _events, _recentLog, Log);
        Loop();
        _events.Host("stopping");
        _mqtt.LeaveNow();
        return 0;
    }

    /// <summary>Creates the adapter, as the board does at power-on and after every reboot.</summary>
    private void Boot()
    {
        GatewayAccess? gateway = _options.GatewayMode && !_erased ? new GatewayAccess(_options.BrokerHost!, _options.BrokerPort, _options.DeviceId, _secret!) : null;
        string deviceId = _options.DeviceId;

        // Not set up (PWR blink code 1), as the board after a factory reset or before its onboarding.
        string? missing = _erased && !_options.BoardMode ? "device id, device secret and gateway (erased by a factory reset)" : null;
        if (_options.BoardMode && BoardSettings() is { } settings)
        {
            missing = settings.Missing();
            if (missing is null)
            {
                deviceId = settings.DeviceId;
                gateway = new GatewayAccess(settings.GatewayHost, settings.GatewayPort, deviceId, settings.DeviceSecret);
                _mqtt.Ca = KeptCa();
            }
        }

        if (gateway is not null)
        {
            gateway.PowerOnSpreadMs = _options.PowerOnSpreadMs;
        }

        _broker = gateway is null ? null : $"{gateway.Host}:{gateway.Port}";
        _adapter = new Adapter(deviceId, _device, _sockets!.Udp, new SystemResolver(), new ILed[4],
            new LoggingEvents(_recentLog, _events), new Random(), gateway, missing, Now)
        {
            HealthIntervalMs = _options.HealthIntervalSeconds * 1000L,
            Ringer = new SimRinger(_events),
            Polarity = new SimPolarity(_events),
        };
        if (_options.TonesWavDirectory is { } wavDirectory)
        {
            _recorder?.Dispose();
            _recorder = new ToneRecorder(wavDirectory);
            _adapter.Audio = new SimEarpiece(_recorder, _microphones);
            _events.ToneObserver = _recorder.Begin;
            _events.CallObserver = _recorder.Call;
        }

        _sockets.Attach(_adapter, _options);
        for (int i = 0; i < Adapter.LineCount; i++)
        {
            _adapter.UseMediaSockets(i + 1, _media[i]!.Rtp, _media[i]!.Rtcp);

            // The earpiece is a recording here: after a stall it gets what it missed (the loop takes all
            // that arrived meanwhile first), as the microphone sends what it missed.
            _adapter.Port(i + 1).EarpieceCatchUpMs = CatchUpMs;
        }

        if (_options.BoardMode && BoardSettings() is { } echo)
        {
            for (int line = 1; line <= Adapter.LineCount; line++)
            {
                if (echo.EchoPathDelay(line) >= 0)
                {
                    _adapter.UseEchoPathDelay(line, echo.EchoPathDelay(line));
                }
            }
        }

        _adapter.SetWan(WanState.Online, _sockets.LocalAddress, Now);
        if (_store.Read(ProvisioningRecord) is { } saved && ProvisioningDocument.Parse(saved, out string? error) is { } doc)
        {
            _adapter.Apply(doc, Now);
        }

        _console?.Attach(_adapter);
    }

    private void Loop()
    {
        long nextTick = Now;
        while (!_stop.IsCancellationRequested)
        {
            int wait = (int)Math.Max(0, _phone!.NextDue(nextTick) - Now);
            try
            {
                if (_inbox.TryTake(out var action, wait, _stop.Token))
                {
                    // Everything that arrived, before the tick: after a stall, the call's audio that came
                    // meanwhile is in the jitter buffer when the earpiece catches up.
                    do
                    {
                        action();
                    }
                    while (_inbox.TryTake(out action));
                }
            }
            catch (OperationCanceledException)
            {
                break;
            }

            _phone.RunDue(Now);
            Listen(Now);
            if (Now >= nextTick)
            {
                Adapter.Tick(Now);
                _console?.Tick(Now);
                nextTick = Now + TickMs;
            }

            CarryOutRequests();
        }
    }

    /// <summary>
    /// The handsets' microphones, 20 ms at a time in real time, as the board's I2S capture delivers them.
    /// After a stall (a busy machine) the frames missed are caught up, so a call's RTP timestamps keep
    /// pace with the clock: frames skipped would read at the far end as a lasting jump in delay, and
    /// its jitter buffer would drop the audio as late. Only a stall too long for that (a suspended
    /// process) is skipped: a jump of over a second, which a jitter buffer takes as a new start.
    /// </summary>
    private void Listen(long now)
    {
        if (now - _heardAt > CatchUpMs)
        {
            _heardAt = now - SimMicrophone.FrameMs;
        }

        while (now - _heardAt >= SimMicrophone.FrameMs)
        {
            _heardAt += SimMicrophone.FrameMs;
            for (int i = 0; i < Adapter.LineCount; i++)
            {
                _microphones[i].Fill(_heard);
                Adapter.OnAudio(i + 1, _heard, 0, _heard.Length, _heardAt);
            }
        }
    }

    /// <summary>Does what the adapter asked, reporting each outcome back to it.</summary>
    private void CarryOutRequests() => Adapter.CarryOutHostRequests(this, Now);

    void IHostActions.Connect(HostRequest request)
    {
        Log($"connecting to broker {request.Host}:{request.Port} as {request.ClientId}");
        _mqtt.Connect(request);
    }

    void IHostActions.Leave() => _mqtt.Leave();

    bool IHostActions.StoreConfig(string json) => _store.Write(ProvisioningRecord, json);

    bool IHostActions.StoreSecret(string secret)
    {
        _secret = secret;
        if (_options.BoardMode && BoardSettings() is { } settings && (settings.Set(DeviceSettings.DeviceSecretKey, secret) is not null || !settings.Save(_store)))
        {
            return false;
        }

        _events.Host("device-secret-rotated");
        return true;
    }

    void IHostActions.FactoryReset(string reason)
    {
        _events.Host("factory-reset", reason);
        _store.EraseAll();
        _secret = null;
        _erased = true;
        _console?.StoreErased();
        ((IHostActions)this).Reboot("factory-reset");
    }

    void IHostActions.Reboot(string reason)
    {
        _events.Host("rebooting", reason);
        _mqtt.Dispose();
        _device.ResetReason = "software";
        Boot();
    }

    /// <summary>
    /// As a board: the broker CA kept at onboarding (the record the console wrote after checking it
    /// against the code), which the session trusts alone; null (plaintext) when none is kept.
    /// </summary>
    private System.Security.Cryptography.X509Certificates.X509Certificate2? KeptCa()
    {
        if (_store.Read(Ata.Core.Onboarding.BrokerCa.Record) is not { Length: > 0 } pem)
        {
            Log("gateway: plaintext MQTT (no broker CA kept)");
            return null;
        }

        try
        {
            var ca = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(pem);
            Log($"gateway: TLS, the broker checked against the kept CA ({ca.Subject})");
            return ca;
        }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            Log($"gateway: the kept broker CA is unreadable ({e.Message}); onboard again");
            return null;
        }
    }

    /// <summary>As a board: the settings the console shares (loaded from the store before the console opens).</summary>
    private DeviceSettings? BoardSettings() => _console?.Settings ?? DeviceSettings.Load(_store, out _);

    private void Post(Action<long> action) => Enqueue(() => action(Now));

    private void Enqueue(Action action)
    {
        try
        {
            _inbox.Add(action);
        }
        catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException)
        {
            // Stopping: the inbox is closed.
        }
    }

    void ISimMqttEvents.Connected() => Enqueue(() =>
    {
        _events.Host("mqtt-connected", _broker ?? string.Empty);
        Adapter.OnMqttConnected(_mqtt, Now);
    });

    void ISimMqttEvents.ConnectFailed(bool refused, string detail) => Enqueue(() => Adapter.OnMqttConnectFailed(refused, detail, Now));

    void ISimMqttEvents.Lost(string detail) => Enqueue(() =>
    {
        _events.Host("mqtt-disconnected", detail);
        Adapter.OnMqttDisconnected(Now);
    });

    void ISimMqttEvents.Left() => Enqueue(() => Adapter.OnMqttDisconnected(Now));

    void ISimMqttEvents.Delivered(int token) => Enqueue(() => Adapter.OnMqttDelivered(token, Now));

    void ISimMqttEvents.Message(string topic, string payload) => Enqueue(() => Adapter.OnMqttMessage(topic, payload, Now));

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

    public void Dispose()
    {
        _recorder?.Dispose();
        _console?.Dispose();
        _mqtt.Dispose();
        _sockets?.Dispose();
        foreach (var media in _media)
        {
            media?.Dispose();
        }

        _stop.Dispose();
        _inbox.Dispose();
    }

    private static void Log(string message) => Console.Error.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {message}");
}
