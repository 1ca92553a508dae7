using System;
using System.Device.Gpio;
using Ata.Core;
using Ata.Core.Console;
using Ata.Core.Hardware;
using Ata.Core.Host;
using Ata.Core.Onboarding;
using Ata.Core.Provisioning;
using Ata.Core.Settings;

namespace Ata.Device.Board
{
    /// <summary>
    /// The reference board wired to the core: drivers, settings and the adapter. It moves inputs into
    /// the adapter (each with its time) and carries out what the adapter asks; it decides nothing.
    /// </summary>
    public sealed class ReferenceBoard : IHostActions
    {
        private const string StoreDirectory = "I:\\ata";
        private const string ProvisioningRecord = "provisioning";

        private const int WanTimeoutMs = 20000;
        private const long WanPollMs = 1000;

        private readonly LittleFsConfigStore _store = new LittleFsConfigStore(StoreDirectory);
        private readonly RecentLog _log = new RecentLog(RecentLog.DefaultCapacity);
        private readonly HookEvents _inputs = new HookEvents();
        private readonly FactoryResetButton _resetButton = new FactoryResetButton();
        private readonly SerialConsole _serial = new SerialConsole();
        private readonly LineAudio _audio = new LineAudio();
        private readonly MqttLink _mqtt = new MqttLink();
        private readonly short[] _heard1 = new short[LineAudio.CaptureSamples];
        private readonly short[] _heard2 = new short[LineAudio.CaptureSamples];
        private readonly DeviceSettings _settings;
        private readonly WanLink _wan;
        private readonly UdpPort _socket;
        private readonly TcpSipTransport _tcp = new TcpSipTransport();
        private readonly UdpPort[] _media;
        private readonly TechnicianConsole _console;
        private long _nextWanPoll;
        private long _now;
        private string _lastWan;

        /// <summary>Boots the board: settings, drivers, the WAN (unless not set up) and the adapter with its saved provisioning.</summary>
        public ReferenceBoard(long boot)
        {
            Watchdog = new Watchdog(_store);
            string resetReason = ResetCause.Take(_store);
            _log.Add(boot, "boot: firmware " + FirmwareVersion.Current + ", reset " + resetReason);
            string settingsError;
            _settings = DeviceSettings.Load(_store, out settingsError);
            if (settingsError != null)
            {
                _log.Add(boot, "settings unreadable, using factory defaults: " + settingsError);
            }

            // Kept by the console's onboarding (the CA certificate pasted after 'onboard CODE', checked against the code).
            _mqtt.TrustOnly(_store.Read(BrokerCa.Record));
            _log.Add(boot, _mqtt.Secure ? "gateway: TLS, broker checked against the stored CA" : "gateway: plaintext MQTT (no broker CA stored)");

            GpioController gpio = new GpioController();
            ShiftRegister register = new ShiftRegister(gpio);
            register.Set(Pins.SlicPower, true);
            ILed[] leds = new ILed[]
            {
                new ShiftRegisterLed(register, Pins.LedPower), new ShiftRegisterLed(register, Pins.LedWan),
                new ShiftRegisterLed(register, Pins.LedTel1), new ShiftRegisterLed(register, Pins.LedTel2),
            };
            Slic[] lines = new Slic[] { new Slic(1, gpio, register, _inputs), new Slic(2, gpio, register, _inputs) };
            new ResetButton(gpio, _inputs);

            // TLS checks the broker certificate's dates: the clock must be set (SNTP) before the first connection.
            _wan = new WanLink(_settings, _mqtt.Secure);
            string missing = _settings.Missing();
            if (missing != null)
            {
                _log.Add(boot, "not set up: missing " + missing + "; use the technician console");
            }
            else if (!_wan.Start(WanTimeoutMs))
            {
                _log.Add(Environment.TickCount64, _wan.Problem);
            }

            string address;
            _wan.State(out address);
            BoardInfo board = new BoardInfo(resetReason, _wan.Mac());
            _socket = new UdpPort(address == null ? "0.0.0.0" : address, UdpPort.SipPort);
            GatewayAccess gateway = new GatewayAccess(_settings.GatewayHost, _settings.GatewayPort, _settings.DeviceId, _settings.DeviceSecret);
            Adapter = new Adapter(_settings.DeviceId, board, _socket, new DnsResolver(), leds,
                new LoggingEvents(_log, null), new Random(), gateway, missing, Environment.TickCount64);
            Adapter.Audio = _audio;
            SlicLines slics = new SlicLines(lines);
            Adapter.Ringer = slics;
            Adapter.Polarity = slics;
            Adapter.UseMediaKernels(new NativeMediaKernels());
            Adapter.UseEchoPathDelay(LineAudio.EchoPathDelaySamples);
            for (int line = 1; line <= Adapter.LineCount; line++)
            {
                // Measured on this board ('echo measure LINE' on the console) or set by the technician.
                int measured = _settings.EchoPathDelay(line);
                if (measured >= 0)
                {
                    Adapter.UseEchoPathDelay(line, measured);
                }
            }

            _media = new UdpPort[Adapter.LineCount * 2];
            for (int i = 0; i < _media.Length; i++)
            {
                _media[i] = new UdpPort(address == null ? "0.0.0.0" : address, UdpPort.FirstMediaPort + i);
            }

            for (int line = 1; line <= Adapter.LineCount; line++)
            {
                Adapter.UseMediaSockets(line, _media[(line - 1) * 2], _media[((line - 1) * 2) + 1]);
            }

            Adapter.UseStreamTransport(_tcp);
            string dns = _settings.UsesDhcp ? _wan.DnsServer() : _settings.Dns;
            if (dns != null && dns.Length > 0)
            {
                Adapter.UseDnsServer(dns, 53);
            }

            for (int i = 0; i < lines.Length; i++)
            {
                Adapter.OnHook(lines[i].Line, lines[i].IsOffHook(), Environment.TickCount64);
            }

            ApplySaved();
            _console = new TechnicianConsole(Adapter, board, _settings, _store, _log, boot);
            _serial.Write(_console.Greeting());
        }

        /// <summary>The adapter.</summary>
        public Adapter Adapter { get; private set; }

        /// <summary>The software watchdog the loop feeds.</summary>
        public Watchdog Watchdog { get; private set; }

        /// <summary>Moves every input that arrived into the adapter.</summary>
        public void FeedInputs(long now)
        {
            int pin;
            bool high;
            long at;
            while (_inputs.TryTake(out pin, out high, out at))
            {
                if (pin == Pins.FactoryReset)
                {
                    _resetButton.Changed(!high, at);
                }
                else
                {
                    Adapter.OnHook(pin == Pins.Line1Hook ? 1 : 2, high, at);
                }
            }

            if (_resetButton.Due(now))
            {
                _log.Add(now, "factory reset by button");
                _store.EraseAll();
                Adapter.UnregisterAll(now);
                Adapter.RequestReboot("factory-reset", true, now);
            }

            string typed = _serial.Read();
            if (typed.Length > 0)
            {
                _serial.Write(_console.Receive(typed, now));
            }

            _serial.Write(_console.Tick(now));

            PollWan(now);
            int length;
            while ((length = _socket.Receive()) > 0)
            {
                Adapter.OnDatagram(_socket.Buffer, length, now);
            }

            int connection;
            while ((connection = _tcp.Receive(out length)) > 0)
            {
                if (length > 0)
                {
                    Adapter.OnStreamData(connection, _tcp.Buffer, length, now);
                }
                else
                {
                    Adapter.OnStreamClosed(connection, now);
                }
            }

            FeedMedia(now);
            FeedMqtt(now);
            _audio.Capture(_heard1, _heard2);
            Adapter.OnAudio(1, _heard1, 0, _heard1.Length, now);
            Adapter.OnAudio(2, _heard2, 0, _heard2.Length, now);
        }

        /// <summary>Carries out what the adapter asked (connect, say goodbye, store, reboot) and plays what it queued for the earpieces.</summary>
        public void CarryOutRequests(long now)
        {
            _audio.Flush();
            _now = now;
            Adapter.CarryOutHostRequests(this, now);
        }

        void IHostActions.Connect(HostRequest request)
        {
            _log.Add(_now, "connecting to the gateway at " + request.Host + ":" + request.Port.ToString());
            _mqtt.Connect(request);
        }

        void IHostActions.Leave()
        {
            _mqtt.Leave();
        }

        bool IHostActions.StoreConfig(string json)
        {
            return _store.Write(ProvisioningRecord, json);
        }

        bool IHostActions.StoreSecret(string secret)
        {
            _settings.Set(DeviceSettings.DeviceSecretKey, secret);
            return _settings.Save(_store);
        }

        void IHostActions.Reboot(string reason)
        {
            _log.Add(_now, "rebooting: " + reason);
            Watchdog.Reboot(reason);
        }

        void IHostActions.FactoryReset(string reason)
        {
            _log.Add(_now, "factory reset: " + reason);
            _store.EraseAll();
            Watchdog.Reboot("factory-reset");
        }

        private void FeedMedia(long now)
        {
            for (int i = 0; i < _media.Length; i++)
            {
                UdpPort socket = _media[i];
                int length;
                while ((length = socket.Receive()) > 0)
                {
                    if (i % 2 == 0)
                    {
                        Adapter.OnRtp((i / 2) + 1, socket.Buffer, length, socket.SourceAddress, socket.SourcePort, now);
                    }
                    else
                    {
                        Adapter.OnRtcp((i / 2) + 1, socket.Buffer, length, socket.SourceAddress, socket.SourcePort, now);
                    }
                }
            }
        }

        private void FeedMqtt(long now)
        {
            int happening;
            while ((happening = _mqtt.TakeHappening()) != MqttLink.None)
            {
                switch (happening)
                {
                    case MqttLink.Connected:
                        Adapter.OnMqttConnected(_mqtt, now);
                        break;
                    case MqttLink.Refused:
                    case MqttLink.Unreachable:
                        Adapter.OnMqttConnectFailed(happening == MqttLink.Refused, _mqtt.Problem, now);
                        break;
                    default:
                        Adapter.OnMqttDisconnected(now);
                        break;
                }
            }

            int token;
            while (_mqtt.TryTakeDelivered(out token))
            {
                Adapter.OnMqttDelivered(token, now);
            }

            string topic;
            string payload;
            while (_mqtt.TryTake(out topic, out payload))
            {
                Adapter.OnMqttMessage(topic, payload, now);
            }
        }

        private void PollWan(long now)
        {
            if (now < _nextWanPoll)
            {
                return;
            }

            _nextWanPoll = now + WanPollMs;
            string address;
            string state = _wan.State(out address);
            if (state != _lastWan)
            {
                _lastWan = state;
                Adapter.SetWan(state, address, now);
            }
        }

        private void ApplySaved()
        {
            string saved = _store.Read(ProvisioningRecord);
            if (saved == null)
            {
                return;
            }

            string error;
            ProvisioningDocument doc = ProvisioningDocument.Parse(saved, out error);
            if (doc == null)
            {
                _log.Add(Environment.TickCount64, "saved provisioning unreadable: " + error);
                return;
            }

            Adapter.Apply(doc, Environment.TickCount64);
        }
    }
}
