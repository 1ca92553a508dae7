using System;
using System.Collections;
using Ata.Core.Calls;
using Ata.Core.Contract;
using Ata.Core.DialPlan;
using Ata.Core.Faults;
using Ata.Core.Gateway;
using Ata.Core.Hardware;
using Ata.Core.Health;
using Ata.Core.Host;
using Ata.Core.Leds;
using Ata.Core.Media;
using Ata.Core.Provisioning;
using Ata.Core.Sip;
using Ata.Core.Sip.Dialogs;
using Ata.Core.Sip.Subscriptions;
using Ata.Core.Telephony;
using Ata.Core.Voicemail;

namespace Ata.Core
{
    /// <summary>
    /// The whole adapter, composed of its parts: the analog ports (<see cref="FxsPort"/>), the SIP
    /// user agent (<see cref="UserAgent"/>), the fault board every cause reports to
    /// (<see cref="FaultBoard"/>), the LEDs (<see cref="LedRules"/>), the link to the gateway
    /// (<see cref="GatewayLink"/>) and the host supervisor (<see cref="HostSupervisor"/>). Hosts feed
    /// it inputs with the time in milliseconds, call <see cref="Tick"/> often (every 10–50 ms) and
    /// carry out what <see cref="NextHostRequest"/> asks; it never reads a clock or blocks.
    /// </summary>
    public sealed partial class Adapter
    {
        /// <summary>Lines on the board.</summary>
        public const int LineCount = ProvisioningDocument.MaxLines;

        /// <summary>Default interval of the periodic health report.</summary>
        public const long DefaultHealthIntervalMs = 30000;

        /// <summary>Least time between two health reports sent because something changed.</summary>
        public const long HealthMinSpacingMs = 1000;

        private readonly string _deviceId;
        private readonly IDeviceInfo _device;
        private readonly IAdapterEvents _events;
        private readonly long _bootAt;
        private readonly FaultBoard _faults = new FaultBoard();
        private readonly LedPanel _leds;
        private readonly string[] _ledShown = Arrays.Strings(4);
        private readonly CountingSocket _socket;
        private readonly UserAgent _sip;
        private readonly FxsPort[] _ports;
        private readonly LineCalls[] _calls;
        private readonly VoicemailLights _voicemail;
        private readonly short[] _sine = SineTable.Build();
        private readonly LineProfile _defaultProfile = LineProfile.Default(Country.Default);
        private readonly GatewayLink _link;
        private readonly HostSupervisor _host;
        private readonly Parts _parts;
        private ProvisioningDocument _config;
        private string _deferredConfig;
        private string _storedConfig;
        private string _wan = WanState.Online;
        private string _wanAddress;
        private string _gatewayShown;
        private long _sentShown;
        private bool _healthDue;
        private long _lastHealthAt = long.MinValue / 2;

        /// <summary>Creates an adapter that runs without a gateway (standalone), at boot time <paramref name="now"/>.</summary>
        /// <param name="deviceId">The adapter's id (its MQTT topic level and broker user).</param>
        /// <param name="device">Board facts for hello and health.</param>
        /// <param name="socket">The SIP socket.</param>
        /// <param name="resolver">Host name resolution.</param>
        /// <param name="leds">PWR, WAN, TEL1, TEL2 pins (entries may be null).</param>
        /// <param name="events">Receives every state change.</param>
        /// <param name="random">Randomness for tags, nonces and jitter.</param>
        /// <param name="now">Boot time in milliseconds.</param>
        public Adapter(string deviceId, IDeviceInfo device, IDatagramSocket socket, INameResolver resolver, ILed[] leds,
            IAdapterEvents events, Random random, long now)
            : this(deviceId, device, socket, resolver, leds, events, random, null, null, now)
        {
        }

        /// <summary>Creates an adapter at boot time <paramref name="now"/>.</summary>
        /// <param name="deviceId">The adapter's id (its MQTT topic level and broker user).</param>
        /// <param name="device">Board facts for hello and health.</param>
        /// <param name="socket">The SIP socket.</param>
        /// <param name="resolver">Host name resolution.</param>
        /// <param name="leds">PWR, WAN, TEL1, TEL2 pins (entries may be null).</param>
        /// <param name="events">Receives every state change.</param>
        /// <param name="random">Randomness for tags, nonces and jitter.</param>
        /// <param name="gateway">The gateway's broker and the adapter's login, or null to run standalone.</param>
        /// <param name="notSetUp">The settings still missing (setup mode: PWR says so and nothing connects), or null.</param>
        /// <param name="now">Boot time in milliseconds.</param>
        public Adapter(string deviceId, IDeviceInfo device, IDatagramSocket socket, INameResolver resolver, ILed[] leds,
            IAdapterEvents events, Random random, GatewayAccess gateway, string notSetUp, long now)
        {
            _deviceId = deviceId;
            _device = device;
            _events = events;
            _bootAt = now;
            _leds = new LedPanel(leds);
            _parts = new Parts(this);
            _faults.Listener = _parts;
            _socket = new CountingSocket(socket);
            _sip = new UserAgent(LineCount, _socket, resolver, random, Ata.Core.Sip.Registration.InstanceIdFor(deviceId), _faults, _parts);
            _sip.Name = "Ata/" + device.Firmware;
            _link = new GatewayLink(deviceId, Json.Hex.Of(new byte[] { (byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256) }), _parts);
            _host = new HostSupervisor(gateway, notSetUp, random, now);
            _gatewayShown = _host.State;
            HealthIntervalMs = DefaultHealthIntervalMs;
            _ports = new FxsPort[LineCount];
            for (int i = 0; i < LineCount; i++)
            {
                _ports[i] = new FxsPort(i + 1, _defaultProfile, _parts);
            }

            _calls = new LineCalls[LineCount];
            for (int i = 0; i < LineCount; i++)
            {
                _calls[i] = new LineCalls(_ports[i], random, new ManagedMediaKernels(), _sine, _parts);
                _ports[i].UseKernels(_calls[i].Kernels, _sine);
            }

            _sip.Calls = _parts;
            _voicemail = new VoicemailLights(_sip, _ports, _calls);
            Refresh(now);
        }

        /// <summary>The adapter's id.</summary>
        public string DeviceId
        {
            get { return _deviceId; }
        }

        /// <summary>Board facts.</summary>
        public IDeviceInfo Device
        {
            get { return _device; }
        }

        /// <summary>Where the lines' tones are played (null: nowhere).</summary>
        public IAudioSink Audio { get; set; }

        /// <summary>The SLIC's ringing generator (null: none).</summary>
        public IRinger Ringer { get; set; }

        /// <summary>The SLIC's line polarity (null: none): reversed for caller ID before the first ring where the country does so.</summary>
        public ILinePolarity Polarity
        {
            set
            {
                for (int i = 0; i < LineCount; i++)
                {
                    _ports[i].Polarity = value;
                }
            }
        }

        /// <summary>Interval of the periodic health report.</summary>
        public long HealthIntervalMs { get; set; }

        /// <summary>The SIP User-Agent.</summary>
        public string UserAgent
        {
            get { return _sip.Name; }
            set { _sip.Name = value; }
        }

        /// <summary>The applied provisioning document, or null.</summary>
        public ProvisioningDocument Config
        {
            get { return _config; }
        }

        /// <summary>The LED panel.</summary>
        public LedPanel Leds
        {
            get { return _leds; }
        }

        /// <summary>The fault board.</summary>
        public FaultBoard Faults
        {
            get { return _faults; }
        }

        /// <summary>The link to the gateway (its outbox and counters).</summary>
        public GatewayLink Gateway
        {
            get { return _link; }
        }

        /// <summary>The host supervisor (the gateway session's state, pending reboot, flash writes).</summary>
        public HostSupervisor Host
        {
            get { return _host; }
        }

        /// <summary>The WAN state (see <see cref="WanState"/>).</summary>
        public string Wan
        {
            get { return _wan; }
        }

        /// <summary>The WAN address, or null.</summary>
        public string WanAddress
        {
            get { return _wanAddress; }
        }

        /// <summary>Milliseconds since boot at <paramref name="now"/>.</summary>
        public long UptimeMs(long now)
        {
            return now - _bootAt;
        }

        /// <summary>The SIP user agent: each line's registration.</summary>
        public UserAgent Sip
        {
            get { return _sip; }
        }

        /// <summary>Analog port <paramref name="line"/> (1-based): its telephone line, hook and DTMF.</summary>
        public FxsPort Port(int line)
        {
            return _ports[line - 1];
        }

        /// <summary>The calls of line <paramref name="line"/> (1-based).</summary>
        public LineCalls Calls(int line)
        {
            return _calls[line - 1];
        }

        /// <summary>Line <paramref name="line"/>'s message-summary subscription at its registrar, or null when it has no account.</summary>
        public MessageSummarySubscription Subscription(int line)
        {
            return _voicemail.Subscription(line);
        }

        /// <summary>Line <paramref name="line"/>'s voicemail light now: a <see cref="VoicemailState"/> name.</summary>
        public string Voicemail(int line)
        {
            return _voicemail.StateOf(line);
        }

        /// <summary>True while an emergency call is set up or in progress on any line: reboots and reconfiguration wait.</summary>
        public bool EmergencyInProgress
        {
            get
            {
                for (int i = 0; i < LineCount; i++)
                {
                    if (_calls[i].EmergencyInProgress)
                    {
                        return true;
                    }
                }

                return false;
            }
        }

        /// <summary>Advances every timer, decides what the host does next and drives the LEDs.</summary>
        public void Tick(long now)
        {
            _sip.Tick(now);
            for (int i = 0; i < LineCount; i++)
            {
                _calls[i].Tick(now);
                _ports[i].Tick(_sip.IsRegistered(i + 1), SinkFor(i), now);
            }

            TickEchoPath(now);

            _voicemail.Tick(now);

            bool emergency = EmergencyInProgress;
            if (_deferredConfig != null && !emergency)
            {
                string deferred = _deferredConfig;
                _deferredConfig = null;
                ConfigFromGateway(deferred, now);
            }

            _host.Tick(_wan == WanState.Online, LinesIdle, emergency, _link.IsFlushed, now);
            _link.Pump(now);
            Refresh(now);
            if (_link.IsConnected && (now - _lastHealthAt >= HealthIntervalMs || (_healthDue && now - _lastHealthAt >= HealthMinSpacingMs)))
            {
                PublishHealth(now);
            }

            _leds.Tick(now);
        }

        /// <summary>The health report as the contract's JSON.</summary>
        public string HealthJson(long now)
        {
            return HealthReport.Health(this, now);
        }

        private void PublishHealth(long now)
        {
            _healthDue = false;
            _lastHealthAt = now;
            _link.SendHealth(HealthReport.Health(this, now));
        }

        private void ApplyDocument(ProvisioningDocument doc, long now)
        {
            ProvisioningDocument previous = _config;
            _config = doc;
            _faults.Clear(FaultCode.ConfigRefused, 0, now);
            _sip.Apply(previous, doc, _wan != WanState.Down, now);
            for (int i = 0; i < LineCount; i++)
            {
                LineConfig line = doc.Line(i + 1);
                _ports[i].Configure(line == null ? _defaultProfile : line.Profile, now);
                CallSetup setup = _sip.CallSetupFor(i + 1);
                _calls[i].Configure(setup);
                _voicemail.Configure(i + 1, setup, line == null || line.MessageWaiting, now);

                _calls[i].NoAnswerMs = line == null ? 0 : (long)line.NoAnswerSeconds * 1000;
                _calls[i].CallWaiting = line == null || line.CallWaiting;
            }

            if (doc.DeviceSecret != null)
            {
                _host.RotateSecret(doc.DeviceSecret);
            }
        }

        private void ConfigFromGateway(string payload, long now)
        {
            if (payload == null || payload.Length == 0)
            {
                // An empty message only deletes a retained one at the broker: nothing to apply or refuse.
                return;
            }

            if (EmergencyInProgress)
            {
                // An emergency call comes first: the new configuration waits until it ends.
                _deferredConfig = payload;
                return;
            }

            string error;
            ProvisioningDocument doc = ProvisioningDocument.Parse(payload, out error);
            if (doc == null)
            {
                long version = ProvisioningDocument.ReadVersion(payload);
                _link.Send(MqttTopics.ConfigAck, HealthReport.ConfigAck(version, false, error), now);
                _events.ConfigApplied(version, false, error, now);
                _faults.Raise(FaultCode.ConfigRefused, 0, 0, error, now);
                return;
            }

            ApplyDocument(doc, now);
            string json = doc.ToJson();
            if (json != _storedConfig)
            {
                _storedConfig = json;
                _host.StoreConfig(json);
            }

            _link.Send(MqttTopics.ConfigAck, HealthReport.ConfigAck(doc.Version, true, null), now);
            _events.ConfigApplied(doc.Version, true, null, now);
        }

        /// <summary>
        /// After every input: the adapter's own faults onto the board, the LEDs from the rules, the
        /// gateway session's state to the events, WAN traffic to the flicker.
        /// </summary>
        private void Refresh(long now)
        {
            _faults.Set(_host.LoginRefused, FaultCode.GatewayLoginRefused, 0, 0,
                "the gateway refused the adapter's login: check the device secret", now);
            if (_host.State != _gatewayShown)
            {
                _gatewayShown = _host.State;
                _events.GatewayChanged(_host.State, _host.Problem, now);
            }

            if (_socket.Sent != _sentShown)
            {
                _sentShown = _socket.Sent;
                _leds.Traffic(now);
            }

            int count;
            bool provisioned = _config != null;
            SetLed(LedTable.Power, LedRules.Power(_host.NotSetUp == null, provisioned, _host.WritingFlash, out count), count, now);
            bool servicesAnswer = _link.IsConnected || _sip.AnyRegistered || (_host.State == GatewayState.NotConfigured && !AnyAccount());
            SetLed(LedTable.Wan, LedRules.Wan(_wan, servicesAnswer, _faults, out count), count, now);
            for (int i = 0; i < LineCount; i++)
            {
                LedPattern tel = LedRules.Tel(i + 1, _sip.Registration(i + 1) != null, _sip.IsRegistered(i + 1), _ports[i].State, _ports[i].Line.MessageWaiting, _faults, out count);
                SetLed(LedTable.Tel1 + i, tel, count, now);
            }
        }

        private bool AnyAccount()
        {
            for (int i = 1; i <= LineCount; i++)
            {
                if (_sip.Registration(i) != null)
                {
                    return true;
                }
            }

            return false;
        }

        private void SetLed(int index, LedPattern pattern, int count, long now)
        {
            if (_leds.Set(index, pattern, count, now))
            {
                string name = _leds.PatternName(index);
                if (name != _ledShown[index])
                {
                    _ledShown[index] = name;
                    _events.LedChanged(LedTable.Names[index], name, now);
                    _healthDue = true;
                }
            }
        }
    }
}
