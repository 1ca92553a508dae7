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
    public sealed class Adapter
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
        private readonly MessageSummarySubscription[] _subscriptions;
        private readonly CallSetup[] _subscribedSetups;
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
            _subscriptions = new MessageSummarySubscription[LineCount];
            _subscribedSetups = new CallSetup[LineCount];
            for (int i = 0; i < LineCount; i++)
            {
                _subscriptions[i] = null;
                _subscribedSetups[i] = null;
            }

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
            return _subscriptions[line - 1];
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

        /// <summary>The per-sample audio kernels the calls run (the board's native ones; the managed reference by default).</summary>
        public void UseMediaKernels(IMediaKernels kernels)
        {
            for (int i = 0; i < LineCount; i++)
            {
                _calls[i].Kernels = kernels;
                _ports[i].UseKernels(kernels, _sine);
            }
        }

        /// <summary>Gives line <paramref name="line"/> its RTP socket and the RTCP socket on the next port.</summary>
        public void UseMediaSockets(int line, IDatagramSocket rtp, IDatagramSocket rtcp)
        {
            _calls[line - 1].UseMediaSockets(rtp, rtcp);
        }

        /// <summary>A datagram from <paramref name="address"/>:<paramref name="port"/> on line <paramref name="line"/>'s RTP socket.</summary>
        public void OnRtp(int line, byte[] data, int length, string address, int port, long now)
        {
            _calls[line - 1].OnRtp(data, length, address, port, now);
        }

        /// <summary>A datagram from <paramref name="address"/>:<paramref name="port"/> on line <paramref name="line"/>'s RTCP socket.</summary>
        public void OnRtcp(int line, byte[] data, int length, string address, int port, long now)
        {
            _calls[line - 1].OnRtcp(data, length, address, port, now);
        }

        /// <summary>True while every line is idle (on hook, not ringing, in no call).</summary>
        public bool LinesIdle
        {
            get
            {
                for (int i = 0; i < LineCount; i++)
                {
                    if (!_ports[i].IsIdle)
                    {
                        return false;
                    }
                }

                return true;
            }
        }

        /// <summary>The next thing the host must do (connect, store, reboot…), or null.</summary>
        public HostRequest NextHostRequest()
        {
            return _host.Next();
        }

        /// <summary>Carries out every waiting <see cref="HostRequest"/> with <paramref name="host"/>, reporting each store's outcome.</summary>
        public void CarryOutHostRequests(IHostActions host, long now)
        {
            HostRequest request;
            while ((request = _host.Next()) != null)
            {
                switch (request.Kind)
                {
                    case HostRequestKind.Connect:
                        host.Connect(request);
                        break;
                    case HostRequestKind.Disconnect:
                        host.Leave();
                        break;
                    case HostRequestKind.StoreConfig:
                        OnStored(request.Kind, host.StoreConfig(request.Content), now);
                        break;
                    case HostRequestKind.StoreSecret:
                        OnStored(request.Kind, host.StoreSecret(request.Secret), now);
                        break;
                    case HostRequestKind.Reboot:
                        host.Reboot(request.Reason);
                        return;
                }
            }
        }

        /// <summary>The host's MQTT session is up: the adapter announces itself and sends what waited.</summary>
        public void OnMqttConnected(IMqttSession session, long now)
        {
            _host.Connected(now);
            _link.Connected(session, HealthReport.Hello(this), _faults, now);
            PublishHealth(now);
            Refresh(now);
        }

        /// <summary>The host could not connect; <paramref name="refused"/> when the broker refused the login.</summary>
        public void OnMqttConnectFailed(bool refused, string detail, long now)
        {
            _host.ConnectFailed(refused, detail, now);
            Refresh(now);
        }

        /// <summary>The MQTT session ended (lost, or the goodbye the host was asked for is done).</summary>
        public void OnMqttDisconnected(long now)
        {
            _link.Disconnected();
            if (_host.State == GatewayState.Leaving)
            {
                _host.Disconnected(now);
            }
            else
            {
                _host.ConnectionLost(now);
            }

            Refresh(now);
        }

        /// <summary>The broker acknowledged the QoS 1 message behind <paramref name="token"/>.</summary>
        public void OnMqttDelivered(int token, long now)
        {
            _link.Delivered(token, now);
            Refresh(now);
        }

        /// <summary>Handles a message on one of the adapter's topics.</summary>
        public void OnMqttMessage(string topic, string payload, long now)
        {
            _link.Received(topic, payload, now);
            Refresh(now);
        }

        /// <summary>The host finished a store request of <paramref name="kind"/> (a <see cref="HostRequestKind"/>).</summary>
        public void OnStored(string kind, bool ok, long now)
        {
            _host.Stored(kind, ok, now);
            _faults.Set(!ok, FaultCode.StorageFailed, 0, 0, ok ? null : "writing to flash failed (" + kind + ")", now);
            Refresh(now);
        }

        /// <summary>
        /// Applies a provisioning document: from the host (the saved one at boot, or a standalone
        /// configuration), or from the gateway through <see cref="OnMqttMessage"/>.
        /// </summary>
        public void Apply(ProvisioningDocument doc, long now)
        {
            ApplyDocument(doc, now);
            _storedConfig = doc.ToJson();
            Refresh(now);
        }

        /// <summary>
        /// Finds registrars with the core's own DNS client (SRV, then A) through the DNS server at
        /// <paramref name="server"/>:<paramref name="port"/>, instead of the host's A-only resolver.
        /// </summary>
        public void UseDnsServer(string server, int port)
        {
            _sip.UseDnsServer(server, port);
        }

        /// <summary>Gives lines provisioned for SIP over TCP their connections.</summary>
        public void UseStreamTransport(IStreamTransport stream)
        {
            _sip.UseStreamTransport(stream);
        }

        /// <summary>Handles bytes received on a TCP connection: SIP messages and keep-alive pongs.</summary>
        public void OnStreamData(int connection, byte[] data, int length, long now)
        {
            _leds.Traffic(now);
            _sip.OnStreamData(connection, data, length, now);
            Refresh(now);
        }

        /// <summary>A TCP connection closed (by the registrar or the network).</summary>
        public void OnStreamClosed(int connection, long now)
        {
            _sip.OnStreamClosed(connection, now);
            Refresh(now);
        }

        /// <summary>Handles a datagram received on the SIP socket (SIP, or an answer from the DNS server).</summary>
        public void OnDatagram(byte[] data, int length, long now)
        {
            _leds.Traffic(now);
            _sip.OnDatagram(data, length, now);
            Refresh(now);
        }

        /// <summary>
        /// The network reported <paramref name="address"/>:<paramref name="port"/> unreachable (an ICMP
        /// error on the SIP socket): transactions to it fail at once instead of waiting for Timer F.
        /// </summary>
        public void OnUnreachable(string address, int port, long now)
        {
            _sip.OnUnreachable(address, port, now);
            Refresh(now);
        }

        /// <summary>
        /// Removes every line's binding at the registrar (<c>Expires: 0</c>) and forgets the
        /// provisioning, as a factory reset does.
        /// </summary>
        public void UnregisterAll(long now)
        {
            _sip.UnregisterAll(now);
            _config = null;
            _storedConfig = null;
            Refresh(now);
        }

        /// <summary>Every line registers again now (a command from the gateway or the console).</summary>
        public void Reregister(long now)
        {
            if (_wan != WanState.Down)
            {
                _sip.NetworkUp(now);
            }

            Refresh(now);
        }

        /// <summary>A reboot asked for by the gateway or on the board: see <see cref="HostSupervisor.RequestReboot"/>.</summary>
        public void RequestReboot(string reason, bool force, long now)
        {
            _host.RequestReboot(reason, force, now);
            Refresh(now);
        }

        /// <summary>The WAN changed: <paramref name="state"/> is a <see cref="WanState"/> name.</summary>
        public void SetWan(string state, string address, long now)
        {
            bool wasDown = _wan == WanState.Down;
            bool addressChanged = address != _wanAddress && _wanAddress != null;
            _wan = state;
            _wanAddress = address;
            if (state == WanState.Down)
            {
                _sip.NetworkDown(now);
            }
            else if (wasDown || addressChanged)
            {
                _sip.NetworkUp(now);
            }

            _faults.Set(state == WanState.Down, FaultCode.NetworkDown, 0, 0, "no WAN link", now);
            Refresh(now);
        }

        /// <summary>
        /// The hook switch of <paramref name="line"/> (1-based) reads off hook or on hook from
        /// <paramref name="now"/> (raw, bounces and all; the board stamps each edge with its time):
        /// debounced, and decoded into lifts, hang-ups, hook flashes and rotary digits.
        /// </summary>
        public void OnHook(int line, bool offHook, long now)
        {
            if (line < 1 || line > LineCount)
            {
                return;
            }

            FxsPort port = _ports[line - 1];
            port.Sense(offHook, now);
            port.Tick(_sip.IsRegistered(line), Audio, now);
            Refresh(now);
        }

        /// <summary>Audio from the handset of <paramref name="line"/> (8 kHz 16-bit): DTMF is taken from it while off hook.</summary>
        public void OnAudio(int line, short[] samples, int offset, int count, long now)
        {
            if (line >= 1 && line <= LineCount && _ports[line - 1].Hear(samples, offset, count, now))
            {
                Refresh(now);
            }
        }

        /// <summary>Rings <paramref name="line"/> with its national cadence (until answered or <see cref="StopRinging"/>).</summary>
        public void Ring(int line, long now)
        {
            if (line >= 1 && line <= LineCount)
            {
                _ports[line - 1].Line.Ring(now);
                Refresh(now);
            }
        }

        /// <summary>
        /// A test ring asked for by the gateway: rings idle <paramref name="line"/> with its national
        /// cadence for <paramref name="durationMs"/>; false when the line does not exist or is in use.
        /// </summary>
        public bool TestRing(int line, long durationMs, long now)
        {
            if (line < 1 || line > LineCount || !_ports[line - 1].IsIdle || !_ports[line - 1].Line.RingFor(durationMs, now))
            {
                return false;
            }

            Refresh(now);
            return true;
        }

        /// <summary>Sends a health report as soon as the spacing between reports allows (the gateway asked for one).</summary>
        public void SendHealthSoon()
        {
            _healthDue = true;
        }

        /// <summary>Stops ringing <paramref name="line"/>.</summary>
        public void StopRinging(int line, long now)
        {
            if (line >= 1 && line <= LineCount)
            {
                _ports[line - 1].Line.StopRinging(now);
                Refresh(now);
            }
        }

        /// <summary>Advances every timer, decides what the host does next and drives the LEDs.</summary>
        public void Tick(long now)
        {
            _sip.Tick(now);
            for (int i = 0; i < LineCount; i++)
            {
                _calls[i].Tick(now);
                if (_subscriptions[i] != null)
                {
                    _subscriptions[i].Tick(_sip.IsRegistered(i + 1), now);
                }

                _ports[i].Tick(_sip.IsRegistered(i + 1), Audio, now);
            }

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
                if (setup != _subscribedSetups[i])
                {
                    _subscribedSetups[i] = setup;
                    _subscriptions[i] = setup == null ? null : new MessageSummarySubscription(setup);
                }

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

        /// <summary>
        /// A message-summary NOTIFY (of a line's subscription, or unsolicited, as many registrars send them)
        /// for one of the lines: answered 200, and its <c>Messages-Waiting</c> turns the line's stutter dial
        /// tone, TEL LED pattern and visual indicator on or off. False when it is for no line.
        /// </summary>
        private bool MessageWaitingNotified(Ata.Core.Sip.Messages.SipRequest notify, int connection, long now)
        {
            for (int i = 0; i < LineCount; i++)
            {
                MessageSummarySubscription subscription = _subscriptions[i];
                bool ours = subscription != null && subscription.Owns(notify);
                if (!ours && !_calls[i].IsFor(notify))
                {
                    continue;
                }

                MessageSummary summary = MessageSummary.Parse(SipCall.BodyText(notify));
                _sip.Reply(notify, connection, 200, "OK");
                if (summary != null && summary.Waiting != _ports[i].Line.MessageWaiting)
                {
                    _ports[i].SetMessageWaiting(summary.Waiting, now);
                }

                if (ours && MessageSummary.Terminates(notify))
                {
                    subscription.Terminated(now);
                }

                return true;
            }

            return false;
        }

        /// <summary>The adapter's listeners, kept off its public surface.</summary>
        private sealed class Parts : IFaultListener, IRegistrationObserver, ILineObserver, IGatewayRequests, ICallHandler, ICallObserver
        {
            private readonly Adapter _adapter;

            public Parts(Adapter adapter)
            {
                _adapter = adapter;
            }

            public void FaultChanged(FaultReport report, long now)
            {
                _adapter._events.FaultChanged(report, now);
                _adapter._link.SendFault(report, now);
                _adapter._healthDue = true;
            }

            public void RegistrationChanged(int line, string state, int sipCode, string fault, long now)
            {
                _adapter._events.RegistrationChanged(line, state, sipCode, fault, now);
                _adapter._healthDue = true;
            }

            public void ConfigReceived(string payload, long now)
            {
                _adapter.ConfigFromGateway(payload, now);
            }

            public void CommandReceived(string id, string command, Hashtable arguments, long now)
            {
                string detail;
                bool ok = GatewayCommand.Run(_adapter, command, arguments, now, out detail);
                _adapter._link.Send(MqttTopics.CommandResult, HealthReport.CommandResult(id, ok, detail), now);
            }

            public bool OnRequest(Sip.Messages.SipRequest request, int connection, long now)
            {
                for (int i = 0; i < LineCount; i++)
                {
                    if (_adapter._calls[i].OnRequest(request, connection, now))
                    {
                        return true;
                    }
                }

                if (MessageSummary.IsNotify(request))
                {
                    return _adapter.MessageWaitingNotified(request, connection, now);
                }

                if (request.Method != "INVITE")
                {
                    return false;
                }

                for (int i = 0; i < LineCount; i++)
                {
                    if (_adapter._calls[i].IsFor(request))
                    {
                        _adapter._calls[i].Incoming(request, connection, now);
                        return true;
                    }
                }

                return false;
            }

            public void OnResponse(Sip.Messages.SipResponse response, long now)
            {
                for (int i = 0; i < LineCount; i++)
                {
                    if (_adapter._subscriptions[i] != null && _adapter._subscriptions[i].Owns(response))
                    {
                        _adapter._subscriptions[i].OnResponse(response, now);
                        return;
                    }
                }

                for (int i = 0; i < LineCount && !_adapter._calls[i].OnResponse(response, now); i++)
                {
                }
            }

            public void OnUnreachable(string address, int port, long now)
            {
                for (int i = 0; i < LineCount; i++)
                {
                    _adapter._calls[i].OnUnreachable(address, port, now);
                }
            }

            public void CallChanged(CallRecord call, long now)
            {
                _adapter._healthDue = true;
                _adapter._events.CallChanged(call, now);
                if (call.State == CallState.Ended)
                {
                    _adapter._link.SendCall(call, now);
                }
            }

            public void LineStateChanged(int line, string state, long now)
            {
                _adapter._calls[line - 1].LineStateChanged(state, now);
                _adapter._healthDue = true;
                _adapter._events.LineStateChanged(line, state, now);
            }

            public void ToneChanged(int line, string tone, bool playing, long now)
            {
                _adapter._events.ToneChanged(line, tone, playing, now);
            }

            public void DigitDialled(int line, char digit, string method, long now)
            {
                _adapter._events.DigitDialled(line, digit, method, now);
            }

            public void HookFlashed(int line, long now)
            {
                _adapter._events.HookFlashed(line, now);
                _adapter._calls[line - 1].Flash(now);
            }

            public void Dialled(int line, string outcome, string number, string detail, long now)
            {
                _adapter._events.Dialled(line, outcome, number, detail, now);
                _adapter._calls[line - 1].Dialled(outcome, number, detail == ServiceCodes.AnonymousCallDetail, now);
                if (outcome == DialOutcome.ServiceAccepted && number == "#21#")
                {
                    _adapter._link.Send(MqttTopics.Service,
                        HealthReport.Service(line, number, ServiceActions.CancelCallForwarding, _adapter.UptimeMs(now)), now);
                }
                else if (outcome == DialOutcome.Call && detail != null)
                {
                    // The code, never the number: the service report says what was asked, not whom it called.
                    ServiceCodes services = _adapter._ports[line - 1].Line.Profile.Services;
                    bool anonymous = detail == ServiceCodes.AnonymousCallDetail;
                    _adapter._link.Send(MqttTopics.Service, HealthReport.Service(line, anonymous ? services.AnonymousCall : services.CallReturn,
                        anonymous ? ServiceActions.AnonymousCall : ServiceActions.CallReturn, _adapter.UptimeMs(now)), now);
                }
            }

            public void Ringer(int line, bool on, long now)
            {
                if (_adapter.Ringer != null)
                {
                    _adapter.Ringer.Set(line, on);
                }
            }
        }
    }
}
