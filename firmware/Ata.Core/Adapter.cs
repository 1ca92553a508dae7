using System;
using Ata.Core.Contract;
using Ata.Core.Dtmf;
using Ata.Core.Faults;
using Ata.Core.Hardware;
using Ata.Core.Health;
using Ata.Core.Json;
using Ata.Core.Leds;
using Ata.Core.Provisioning;
using Ata.Core.Sip;
using Ata.Core.Sip.Messages;
using Ata.Core.Telephony;

namespace Ata.Core
{
    /// <summary>
    /// The whole adapter's decisions: provisioning, each line's registration and hook state, faults,
    /// LEDs and the reports to the gateway. Hosts feed it inputs with the time in milliseconds and
    /// call <see cref="Tick"/> often (every 10–50 ms); it never reads a clock or blocks.
    /// </summary>
    public sealed class Adapter
    {
        /// <summary>Lines on the board.</summary>
        public const int LineCount = ProvisioningDocument.MaxLines;

        /// <summary>Default interval of the periodic health report.</summary>
        public const long DefaultHealthIntervalMs = 30000;

        /// <summary>Least time between two health reports sent because something changed.</summary>
        public const long HealthMinSpacingMs = 1000;

        /// <summary>Samples handed to the audio sink at once (20 ms at 8 kHz).</summary>
        public const int AudioBlockSamples = 160;

        /// <summary>Service reports kept while the MQTT session is down.</summary>
        public const int MaxPendingServiceReports = 16;

        private readonly string _deviceId;
        private readonly IDeviceInfo _device;
        private readonly TrafficSocket _socket;
        private readonly INameResolver _resolver;
        private readonly IAdapterEvents _events;
        private readonly Random _random;
        private readonly LedPanel _leds;
        private readonly FaultBoard _faults = new FaultBoard();
        private readonly long _bootAt;

        private readonly Registration[] _registrations = new Registration[LineCount];
        private readonly string[] _reportedState = new string[LineCount];
        private readonly int[] _reportedCode = new int[LineCount];
        private readonly string[] _reportedFault = new string[LineCount];
        private readonly PhoneLine[] _lines = new PhoneLine[LineCount];
        private readonly HookDecoder[] _hooks = new HookDecoder[LineCount];
        private readonly DtmfDetector[] _dtmf = new DtmfDetector[LineCount];
        private readonly long[] _audioAt = new long[LineCount];
        private readonly short[] _audioBlock = new short[AudioBlockSamples];
        private readonly System.Collections.ArrayList _serviceReports = new System.Collections.ArrayList();
        private readonly LineProfile _defaultProfile;
        private readonly string[] _ledNames = new string[4];
        private readonly System.Collections.ArrayList _retiring = new System.Collections.ArrayList();
        private readonly string _instanceId;
        private Dns.DnsClient _dns;
        private Dns.SipLocator _locator;
        private IStreamTransport _stream;
        private string _newDeviceSecret;
        private readonly System.Collections.Hashtable _framers = new System.Collections.Hashtable();

        private ProvisioningDocument _config;
        private IMqttSession _mqtt;
        private string _wan = WanState.Online;
        private string _wanAddress;
        private bool _healthDue;
        private long _lastHealthAt = long.MinValue / 2;
        private long _sipParseErrors;
        private long _now;

        /// <summary>Creates the adapter at boot time <paramref name="now"/>.</summary>
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
        {
            _deviceId = deviceId;
            _device = device;
            _socket = new TrafficSocket(socket, this);
            _resolver = resolver;
            _events = events;
            _random = random;
            _leds = new LedPanel(leds);
            _bootAt = now;
            _now = now;
            _instanceId = Sip.Registration.InstanceIdFor(deviceId);
            HealthIntervalMs = DefaultHealthIntervalMs;
            UserAgent = "Ata/" + device.Firmware;
            _defaultProfile = LineProfile.Default(Country.Default);
            LineEvents lineEvents = new LineEvents(this);
            for (int i = 0; i < LineCount; i++)
            {
                _reportedState[i] = RegistrationState.Unprovisioned;
                _lines[i] = new PhoneLine(i + 1, _defaultProfile, lineEvents);
                _hooks[i] = new HookDecoder();
                _hooks[i].FlashMaxMs = _defaultProfile.FlashMaxMs;
                _dtmf[i] = new DtmfDetector();
            }

            UpdateLeds(now);
        }

        /// <summary>Where the lines' tones are played (null: nowhere).</summary>
        public IAudioSink Audio { get; set; }

        /// <summary>The SLIC's ringing generator (null: none).</summary>
        public IRinger Ringer { get; set; }

        /// <summary>Telephone line <paramref name="line"/> (1-based).</summary>
        public PhoneLine Line(int line)
        {
            return _lines[line - 1];
        }

        /// <summary>Handset samples the DTMF detector of <paramref name="line"/> (1-based) has analysed.</summary>
        public long DtmfSamplesAnalysed(int line)
        {
            return _dtmf[line - 1].SamplesAnalysed;
        }

        /// <summary>Interval of the periodic health report.</summary>
        public long HealthIntervalMs { get; set; }

        /// <summary>The SIP User-Agent.</summary>
        public string UserAgent { get; set; }

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

        /// <summary>Responses that could not be parsed.</summary>
        public long SipParseErrors
        {
            get { return _sipParseErrors; }
        }

        /// <summary>The registration of line <paramref name="line"/> (1-based), or null when it has no account.</summary>
        public Registration Registration(int line)
        {
            return _registrations[line - 1];
        }

        /// <summary>The registration state name of a line.</summary>
        public string RegistrationStateOf(int line)
        {
            Registration r = _registrations[line - 1];
            return r == null ? RegistrationState.Unprovisioned : r.State;
        }

        /// <summary>Attaches the MQTT session once it is connected: announces the adapter and subscribes.</summary>
        public void OnMqttConnected(IMqttSession session, long now)
        {
            _now = now;
            _mqtt = session;
            session.Publish(MqttTopics.For(_deviceId, MqttTopics.Status), MqttTopics.Online, MqttTopics.ReliableQos, true);
            session.Publish(MqttTopics.For(_deviceId, MqttTopics.Hello), HelloJson(), MqttTopics.ReliableQos, false);
            session.Subscribe(MqttTopics.For(_deviceId, MqttTopics.Config), MqttTopics.ReliableQos);
            session.Subscribe(MqttTopics.For(_deviceId, MqttTopics.Command), MqttTopics.ReliableQos);
            FaultReport[] active = _faults.Active();
            for (int i = 0; i < active.Length; i++)
            {
                session.Publish(MqttTopics.For(_deviceId, MqttTopics.Fault), active[i].ToJson(), MqttTopics.ReliableQos, false);
            }

            for (int i = 0; i < _serviceReports.Count; i++)
            {
                session.Publish(MqttTopics.For(_deviceId, MqttTopics.Service), (string)_serviceReports[i], MqttTopics.ReliableQos, false);
            }

            _serviceReports.Clear();
            PublishHealth(now);
        }

        /// <summary>The MQTT session was lost; reports wait until it is back.</summary>
        public void OnMqttDisconnected(long now)
        {
            _now = now;
            _mqtt = null;
        }

        /// <summary>Handles a message on one of the adapter's topics.</summary>
        public void OnMqttMessage(string topic, string payload, long now)
        {
            _now = now;
            string deviceId;
            string leaf;
            if (!MqttTopics.TryParse(topic, out deviceId, out leaf) || deviceId != _deviceId)
            {
                return;
            }

            if (leaf == MqttTopics.Config)
            {
                string error;
                ProvisioningDocument doc = ProvisioningDocument.Parse(payload, out error);
                if (doc == null)
                {
                    RefuseConfig(ReadVersion(payload), error, now);
                }
                else
                {
                    Apply(doc, now);
                }
            }
            else if (leaf == MqttTopics.Command)
            {
                HandleCommand(payload, now);
            }
        }

        /// <summary>Applies a provisioning document (from the gateway, or locally in standalone mode).</summary>
        public void Apply(ProvisioningDocument doc, long now)
        {
            _now = now;
            ProvisioningDocument previous = _config;
            _config = doc;
            Report(_faults.Clear(FaultCode.ConfigRefused, 0), now);
            for (int i = 0; i < LineCount; i++)
            {
                LineConfig line = doc.Line(i + 1);
                LineConfig before = previous == null ? null : previous.Line(i + 1);
                Registration current = _registrations[i];
                if (line != null && line.SameAccount(before) && current != null)
                {
                    // A new version for the same account: a line that stopped trying (refused
                    // credentials or account) tries again now rather than waiting for a change.
                    bool newVersion = previous == null || previous.Version != doc.Version;
                    if (newVersion && current.State == RegistrationState.Failed && current.NextAttemptAt < 0 && _wan != WanState.Down)
                    {
                        current.NetworkUp(now);
                    }

                    continue;
                }

                _registrations[i] = null;
                if (current != null)
                {
                    Retire(current, now);
                }

                if (line != null)
                {
                    Registration registration = new Registration(line, _socket, _resolver, _random, UserAgent, _instanceId);
                    registration.Locator = _locator;
                    registration.Stream = _stream;
                    _registrations[i] = registration;
                    if (_wan == WanState.Down)
                    {
                        registration.NetworkDown(now);
                    }
                    else
                    {
                        registration.Start(now);
                    }
                }
            }

            for (int i = 0; i < LineCount; i++)
            {
                LineConfig line = doc.Line(i + 1);
                LineProfile profile = line == null ? _defaultProfile : line.Profile;
                if (profile != _lines[i].Profile)
                {
                    _lines[i].Configure(profile, now);
                }

                _hooks[i].FlashMaxMs = profile.FlashMaxMs;
            }

            if (doc.DeviceSecret != null)
            {
                _newDeviceSecret = doc.DeviceSecret;
            }

            PublishAck(doc.Version, true, null);
            _events.ConfigApplied(doc.Version, true, null, now);
            Update(now);
        }

        /// <summary>
        /// Finds registrars with the core's own DNS client (SRV, then A) through the DNS server at
        /// <paramref name="server"/>:<paramref name="port"/>, instead of the host's A-only resolver.
        /// </summary>
        public void UseDnsServer(string server, int port)
        {
            _dns = new Dns.DnsClient(_socket, server, port, _random);
            _locator = new Dns.SipLocator(_dns, _random);
            for (int i = 0; i < LineCount; i++)
            {
                if (_registrations[i] != null)
                {
                    _registrations[i].Locator = _locator;
                }
            }
        }

        /// <summary>Gives lines provisioned for SIP over TCP their connections.</summary>
        public void UseStreamTransport(IStreamTransport stream)
        {
            _stream = stream;
            for (int i = 0; i < LineCount; i++)
            {
                if (_registrations[i] != null)
                {
                    _registrations[i].Stream = stream;
                }
            }
        }

        /// <summary>Handles bytes received on a TCP connection: SIP responses and keep-alive pongs.</summary>
        public void OnStreamData(int connection, byte[] data, int length, long now)
        {
            _now = now;
            _leds.Traffic(now);
            Sip.Transport.StreamFramer framer = _framers[connection] as Sip.Transport.StreamFramer;
            if (framer == null)
            {
                framer = new Sip.Transport.StreamFramer();
                _framers[connection] = framer;
            }

            framer.Append(data, length);
            byte[] message;
            while ((message = framer.Next()) != null)
            {
                OnDatagram(message, message.Length, now);
            }

            if (framer.TakePongs() > 0)
            {
                for (int i = 0; i < LineCount; i++)
                {
                    if (_registrations[i] != null)
                    {
                        _registrations[i].OnPong(connection);
                    }
                }
            }

            if (framer.Broken)
            {
                _stream.Close(connection);
                OnStreamClosed(connection, now);
            }
        }

        /// <summary>A TCP connection closed (by the registrar or the network).</summary>
        public void OnStreamClosed(int connection, long now)
        {
            _now = now;
            _framers.Remove(connection);
            for (int i = 0; i < LineCount; i++)
            {
                if (_registrations[i] != null)
                {
                    _registrations[i].OnConnectionClosed(connection, now);
                }
            }

            for (int i = 0; i < _retiring.Count; i++)
            {
                ((Registration)_retiring[i]).OnConnectionClosed(connection, now);
            }

            DropFinished();
            Update(now);
        }

        /// <summary>Handles a datagram received on the SIP socket (SIP, or an answer from the DNS server).</summary>
        public void OnDatagram(byte[] data, int length, long now)
        {
            _now = now;
            _leds.Traffic(now);
            if (_dns != null && !LooksLikeSip(data, length) && _dns.OnDatagram(data, length, now))
            {
                return;
            }

            string error;
            SipResponse response = SipResponse.Parse(data, length, out error);
            if (response == null)
            {
                _sipParseErrors++;
                return;
            }

            for (int i = 0; i < LineCount; i++)
            {
                Registration r = _registrations[i];
                if (r != null && r.Owns(response))
                {
                    r.OnResponse(response, now);
                }
            }

            for (int i = _retiring.Count - 1; i >= 0; i--)
            {
                Registration r = (Registration)_retiring[i];
                if (r.Owns(response))
                {
                    r.OnResponse(response, now);
                }
            }

            DropFinished();
            Update(now);
        }

        /// <summary>
        /// The network reported <paramref name="address"/>:<paramref name="port"/> unreachable (an ICMP
        /// error on the SIP socket): transactions to it fail at once instead of waiting for Timer F.
        /// </summary>
        public void OnUnreachable(string address, int port, long now)
        {
            _now = now;
            for (int i = 0; i < LineCount; i++)
            {
                if (_registrations[i] != null)
                {
                    _registrations[i].OnUnreachable(address, port, now);
                }
            }

            for (int i = 0; i < _retiring.Count; i++)
            {
                ((Registration)_retiring[i]).OnUnreachable(address, port, now);
            }

            DropFinished();
            Update(now);
        }

        /// <summary>
        /// Removes every line's binding at the registrar (<c>Expires: 0</c>) and forgets the
        /// provisioning, as a factory reset does.
        /// </summary>
        public void UnregisterAll(long now)
        {
            _now = now;
            for (int i = 0; i < LineCount; i++)
            {
                if (_registrations[i] != null)
                {
                    Retire(_registrations[i], now);
                    _registrations[i] = null;
                }
            }

            _config = null;
            Update(now);
        }

        /// <summary>
        /// A new device secret from the gateway (credential rotation), for the host to store and use
        /// from its next broker connection on; null when none is waiting. Taking it clears it.
        /// </summary>
        public string TakeNewDeviceSecret()
        {
            string secret = _newDeviceSecret;
            _newDeviceSecret = null;
            return secret;
        }

        /// <summary>True once the gateway asked for a reboot (<c>cmd</c> <c>reboot</c>); the host carries it out.</summary>
        public bool RebootRequested { get; private set; }

        /// <summary>True while bindings of removed accounts are still being taken down.</summary>
        public bool IsUnregistering
        {
            get { return _retiring.Count > 0; }
        }

        /// <summary>The WAN changed: <paramref name="state"/> is a <see cref="WanState"/> name.</summary>
        public void SetWan(string state, string address, long now)
        {
            _now = now;
            bool wasDown = _wan == WanState.Down;
            bool addressChanged = address != _wanAddress && _wanAddress != null;
            _wan = state;
            _wanAddress = address;
            bool down = state == WanState.Down;
            for (int i = 0; i < LineCount; i++)
            {
                Registration r = _registrations[i];
                if (r == null)
                {
                    continue;
                }

                if (down)
                {
                    r.NetworkDown(now);
                }
                else if (wasDown || addressChanged)
                {
                    r.NetworkUp(now);
                }
            }

            if (down)
            {
                Report(_faults.Raise(FaultCode.NetworkDown, 0, 0, "no WAN link"), now);
            }
            else
            {
                Report(_faults.Clear(FaultCode.NetworkDown, 0), now);
            }

            Update(now);
        }

        /// <summary>
        /// The hook switch of <paramref name="line"/> (1-based) reads off hook or on hook from
        /// <paramref name="now"/> (raw, bounces and all): debounced, and decoded into lifts, hang-ups,
        /// hook flashes and rotary digits as <see cref="Tick"/> goes on.
        /// </summary>
        public void OnHook(int line, bool offHook, long now)
        {
            _now = now;
            if (line < 1 || line > LineCount)
            {
                return;
            }

            _hooks[line - 1].Sense(offHook, now);
            TickLine(line - 1, now);
            Update(now);
        }

        /// <summary>
        /// Audio from the handset of <paramref name="line"/> (8 kHz 16-bit): DTMF digits are taken from it
        /// while the handset is off hook. On hook nothing can be dialled, so the detector (the costliest
        /// per-sample work on the device) does not run; lifting the handset starts it afresh.
        /// </summary>
        public void OnAudio(int line, short[] samples, int offset, int count, long now)
        {
            _now = now;
            if (line < 1 || line > LineCount || !LineState.IsOffHook(_lines[line - 1].State))
            {
                return;
            }

            DtmfDetector detector = _dtmf[line - 1];
            detector.Feed(samples, offset, count);
            char key;
            bool any = false;
            while (detector.TryTake(out key))
            {
                _lines[line - 1].Digit(key, PhoneLine.Dtmf, now);
                any = true;
            }

            if (any)
            {
                Update(now);
            }
        }

        /// <summary>Rings <paramref name="line"/> with its national cadence (until answered or <see cref="StopRinging"/>).</summary>
        public void Ring(int line, long now)
        {
            _now = now;
            if (line >= 1 && line <= LineCount)
            {
                _lines[line - 1].Ring(now);
                Update(now);
            }
        }

        /// <summary>Stops ringing <paramref name="line"/>.</summary>
        public void StopRinging(int line, long now)
        {
            _now = now;
            if (line >= 1 && line <= LineCount)
            {
                _lines[line - 1].StopRinging(now);
                Update(now);
            }
        }

        /// <summary>Whether a message waits on <paramref name="line"/> (off hook then gives the stuttered dial tone).</summary>
        public void SetMessageWaiting(int line, bool waiting)
        {
            if (line >= 1 && line <= LineCount)
            {
                _lines[line - 1].MessageWaiting = waiting;
            }
        }

        /// <summary>The end of the hook-flash window of <paramref name="line"/> in ms.</summary>
        public long FlashMaxMs(int line)
        {
            return _hooks[line - 1].FlashMaxMs;
        }

        /// <summary>Advances every timer and drives the LEDs.</summary>
        public void Tick(long now)
        {
            _now = now;
            for (int i = 0; i < LineCount; i++)
            {
                if (_registrations[i] != null)
                {
                    _registrations[i].Tick(now);
                }
            }

            for (int i = 0; i < _retiring.Count; i++)
            {
                ((Registration)_retiring[i]).Tick(now);
            }

            if (_dns != null)
            {
                _dns.Tick(now);
            }

            DropFinished();
            for (int i = 0; i < LineCount; i++)
            {
                TickLine(i, now);
            }

            Update(now);
            if (_mqtt != null && (now - _lastHealthAt >= HealthIntervalMs || (_healthDue && now - _lastHealthAt >= HealthMinSpacingMs)))
            {
                PublishHealth(now);
            }

            _leds.Tick(now);
        }

        /// <summary>The health report as the contract's JSON.</summary>
        public string HealthJson(long now)
        {
            JsonWriter w = new JsonWriter();
            w.BeginObject()
                .Property(Fields.DeviceId, _deviceId)
                .Property(Fields.UptimeMs, now - _bootAt)
                .Property(Fields.Firmware, _device.Firmware)
                .Property(Fields.Rssi, _device.Rssi)
                .Property(Fields.FreeHeap, _device.FreeHeap)
                .Property(Fields.Wan, _wan)
                .Property(Fields.WanAddress, _wanAddress)
                .Property(Fields.ConfigVersion, _config == null ? -1 : _config.Version)
                .Property("sipParseErrors", _sipParseErrors);
            w.Name(Fields.Leds).BeginObject();
            for (int i = 0; i < LedTable.Names.Length; i++)
            {
                w.Property(LedTable.Names[i], _leds.PatternName(i));
            }

            w.EndObject().Name(Fields.Lines).BeginArray();
            for (int i = 0; i < LineCount; i++)
            {
                Registration r = _registrations[i];
                w.BeginObject()
                    .Property(Fields.Line, i + 1)
                    .Property(Fields.Registration, r == null ? RegistrationState.Unprovisioned : r.State)
                    .Property(Fields.SipCode, r == null ? 0 : r.LastSipCode)
                    .Property(Fields.LineState, _lines[i].State)
                    .EndObject();
            }

            return w.EndArray().EndObject().ToString();
        }

        private string HelloJson()
        {
            return new JsonWriter().BeginObject()
                .Property(Fields.DeviceId, _deviceId)
                .Property(Fields.Firmware, _device.Firmware)
                .Property(Fields.Hardware, _device.Hardware)
                .Property(Fields.ResetReason, _device.ResetReason)
                .Property(Fields.Mac, _device.Mac)
                .EndObject().ToString();
        }

        private void PublishHealth(long now)
        {
            _healthDue = false;
            _lastHealthAt = now;
            if (_mqtt != null)
            {
                _mqtt.Publish(MqttTopics.For(_deviceId, MqttTopics.Health), HealthJson(now), MqttTopics.HealthQos, false);
            }
        }

        private void RefuseConfig(long version, string reason, long now)
        {
            PublishAck(version, false, reason);
            _events.ConfigApplied(version, false, reason, now);
            Report(_faults.Raise(FaultCode.ConfigRefused, 0, 0, reason), now);
        }

        private void PublishAck(long version, bool applied, string reason)
        {
            if (_mqtt == null)
            {
                return;
            }

            JsonWriter w = new JsonWriter().BeginObject().Property(Fields.Version, version).Property(Fields.Applied, applied);
            if (reason != null)
            {
                w.Property(Fields.Reason, reason);
            }

            _mqtt.Publish(MqttTopics.For(_deviceId, MqttTopics.ConfigAck), w.EndObject().ToString(), MqttTopics.ReliableQos, false);
        }

        private void HandleCommand(string payload, long now)
        {
            string id = null;
            string command = null;
            try
            {
                System.Collections.Hashtable table = JsonReader.ParseObject(payload);
                id = JsonObject.GetString(table, Fields.Id);
                command = JsonObject.GetString(table, Fields.Command);
            }
            catch (JsonException)
            {
            }

            bool ok = false;
            string detail;
            if (command == "reboot")
            {
                RebootRequested = true;
                ok = true;
                detail = "rebooting";
            }
            else if (command == "reregister")
            {
                for (int i = 0; i < LineCount; i++)
                {
                    if (_registrations[i] != null && _wan != WanState.Down)
                    {
                        _registrations[i].NetworkUp(now);
                    }
                }

                ok = true;
                detail = "registering again";
            }
            else
            {
                detail = command == null ? "not a command" : "unknown command '" + command + "'";
            }

            if (_mqtt != null)
            {
                JsonWriter w = new JsonWriter().BeginObject().Property(Fields.Id, id).Property(Fields.Ok, ok).Property(Fields.Detail, detail).EndObject();
                _mqtt.Publish(MqttTopics.For(_deviceId, MqttTopics.CommandResult), w.ToString(), MqttTopics.ReliableQos, false);
            }
        }

        private static long ReadVersion(string payload)
        {
            try
            {
                return JsonObject.GetLong(JsonReader.ParseObject(payload), Fields.Version, -1);
            }
            catch (JsonException)
            {
                return -1;
            }
        }

        private void Update(long now)
        {
            for (int i = 0; i < LineCount; i++)
            {
                Registration r = _registrations[i];
                string state = r == null ? RegistrationState.Unprovisioned : r.State;
                int code = r == null ? 0 : r.LastSipCode;
                string fault = r == null ? null : r.Fault;
                if (state == _reportedState[i] && code == _reportedCode[i] && fault == _reportedFault[i])
                {
                    continue;
                }

                if (fault != _reportedFault[i])
                {
                    if (_reportedFault[i] != null)
                    {
                        Report(_faults.Clear(_reportedFault[i], i + 1), now);
                    }

                    if (fault != null && fault != FaultCode.NetworkDown)
                    {
                        Report(_faults.Raise(fault, i + 1, code, r.FaultDetail), now);
                    }
                }

                _reportedState[i] = state;
                _reportedCode[i] = code;
                _reportedFault[i] = fault;
                _events.RegistrationChanged(i + 1, state, code, fault, now);
                _healthDue = true;
            }

            UpdateLeds(now);
        }

        private void UpdateLeds(long now)
        {
            SetLed(LedTable.Power, _config == null ? LedPattern.SlowBlink : LedPattern.Solid, 0, now);
            LedPattern wan = _wan == WanState.Down ? LedPattern.Off : (_wan == WanState.Limited ? LedPattern.SlowBlink : LedPattern.Solid);
            SetLed(LedTable.Wan, wan, 0, now);
            for (int i = 0; i < LineCount; i++)
            {
                Registration r = _registrations[i];
                LedPattern pattern = LedPattern.Off;
                int count = r == null || r.Fault == null ? 0 : LedTable.BlinkCount(r.Fault);
                string lineState = _lines[i].State;
                bool offHook = LineState.IsOffHook(lineState);
                bool registered = r != null && r.State == RegistrationState.Registered;
                if (lineState == LineState.Ringing)
                {
                    pattern = LedPattern.FastBlink;
                }
                else if (count > 0 && (r.State == RegistrationState.Failed || (offHook && !registered)))
                {
                    pattern = LedPattern.BlinkCode;
                }
                else if (offHook)
                {
                    pattern = LedPattern.SlowBlink;
                }
                else if (registered)
                {
                    pattern = LedPattern.Solid;
                }

                SetLed(LedTable.Tel1 + i, pattern, count, now);
            }
        }

        private void SetLed(int index, LedPattern pattern, int count, long now)
        {
            if (_leds.Set(index, pattern, count, now))
            {
                string name = _leds.PatternName(index);
                if (name != _ledNames[index])
                {
                    _ledNames[index] = name;
                    _events.LedChanged(LedTable.Names[index], name, now);
                    _healthDue = true;
                }
            }
        }

        private static bool LooksLikeSip(byte[] data, int length)
        {
            return length >= 4 && data[0] == (byte)'S' && data[1] == (byte)'I' && data[2] == (byte)'P' && data[3] == (byte)'/';
        }

        private void Retire(Registration registration, long now)
        {
            registration.Unregister(now);
            if (!registration.IsFinished)
            {
                _retiring.Add(registration);
            }
        }

        private void DropFinished()
        {
            for (int i = _retiring.Count - 1; i >= 0; i--)
            {
                if (((Registration)_retiring[i]).IsFinished)
                {
                    _retiring.RemoveAt(i);
                }
            }
        }

        private void TickLine(int i, long now)
        {
            HookDecoder hook = _hooks[i];
            PhoneLine line = _lines[i];
            hook.Tick(now);
            HookEvent e;
            while ((e = hook.Next()) != HookEvent.None)
            {
                bool registered = RegistrationStateOf(i + 1) == RegistrationState.Registered;
                switch (e)
                {
                    case HookEvent.OffHook:
                        _dtmf[i].Reset();
                        line.OffHook(registered, now);
                        break;
                    case HookEvent.OnHook:
                        line.OnHook(now);
                        break;
                    case HookEvent.Flash:
                        line.Flash(registered, now);
                        break;
                    case HookEvent.Digit:
                        line.Digit((char)('0' + hook.Digit), PhoneLine.Pulse, now);
                        break;
                }
            }

            line.Tick(RegistrationStateOf(i + 1) == RegistrationState.Registered, now);
            PumpAudio(i, now);
        }

        private void PumpAudio(int i, long now)
        {
            long elapsedMs = now - _audioAt[i];
            Tones.TonePlayer player = _lines[i].Player;
            IAudioSink sink = Audio;
            if (elapsedMs <= 0)
            {
                return;
            }

            _audioAt[i] = now;
            if (sink == null || !player.IsPlaying)
            {
                return;
            }

            long samples = elapsedMs > 1000 ? 8000 : elapsedMs * 8;
            while (samples > 0)
            {
                int n = samples > _audioBlock.Length ? _audioBlock.Length : (int)samples;
                player.Fill(_audioBlock, 0, n);
                sink.Play(i + 1, _audioBlock, 0, n);
                samples -= n;
            }
        }

        private void ReportService(int line, string code, string action, long now)
        {
            string payload = new JsonWriter().BeginObject()
                .Property(Fields.Line, line)
                .Property(Fields.ServiceCode, code)
                .Property(Fields.Action, action)
                .Property(Fields.UptimeMs, now - _bootAt)
                .EndObject().ToString();
            if (_mqtt != null)
            {
                _mqtt.Publish(MqttTopics.For(_deviceId, MqttTopics.Service), payload, MqttTopics.ReliableQos, false);
            }
            else if (_serviceReports.Count < MaxPendingServiceReports)
            {
                _serviceReports.Add(payload);
            }
        }

        private void Report(FaultReport report, long now)
        {
            if (report == null)
            {
                return;
            }

            _events.FaultChanged(report, now);
            if (_mqtt != null)
            {
                _mqtt.Publish(MqttTopics.For(_deviceId, MqttTopics.Fault), report.ToJson(), MqttTopics.ReliableQos, false);
            }
        }

        private sealed class LineEvents : ILineObserver
        {
            private readonly Adapter _adapter;

            public LineEvents(Adapter adapter)
            {
                _adapter = adapter;
            }

            public void LineStateChanged(int line, string state, long now)
            {
                _adapter._healthDue = true;
                _adapter._events.LineStateChanged(line, state, now);
                _adapter.UpdateLeds(now);
            }

            public void ToneChanged(int line, string tone, bool playing, long now)
            {
                if (playing)
                {
                    _adapter._audioAt[line - 1] = now;
                }

                _adapter._events.ToneChanged(line, tone, playing, now);
            }

            public void DigitDialled(int line, char digit, string method, long now)
            {
                _adapter._events.DigitDialled(line, digit, method, now);
            }

            public void HookFlashed(int line, long now)
            {
                _adapter._events.HookFlashed(line, now);
            }

            public void Dialled(int line, string outcome, string number, string detail, long now)
            {
                _adapter._events.Dialled(line, outcome, number, detail, now);
                if (outcome == DialOutcome.ServiceAccepted && number == "#21#")
                {
                    _adapter.ReportService(line, number, ServiceActions.CancelCallForwarding, now);
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

        private sealed class TrafficSocket : IDatagramSocket
        {
            private readonly IDatagramSocket _inner;
            private readonly Adapter _adapter;

            public TrafficSocket(IDatagramSocket inner, Adapter adapter)
            {
                _inner = inner;
                _adapter = adapter;
            }

            public string LocalAddress
            {
                get { return _inner.LocalAddress; }
            }

            public int LocalPort
            {
                get { return _inner.LocalPort; }
            }

            public void Send(byte[] data, int length, string address, int port)
            {
                _adapter._leds.Traffic(_adapter._now);
                _inner.Send(data, length, address, port);
            }
        }
    }
}
