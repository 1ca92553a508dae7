using System;
using Ata.Core.Contract;
using Ata.Core.Faults;
using Ata.Core.Hardware;
using Ata.Core.Health;
using Ata.Core.Json;
using Ata.Core.Leds;
using Ata.Core.Provisioning;
using Ata.Core.Sip;
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
        private readonly bool[] _offHook = new bool[LineCount];
        private readonly string[] _ledNames = new string[4];
        private readonly System.Collections.ArrayList _retiring = new System.Collections.ArrayList();
        private readonly string _instanceId;

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
            for (int i = 0; i < LineCount; i++)
            {
                _reportedState[i] = RegistrationState.Unprovisioned;
            }

            UpdateLeds(now);
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

            PublishAck(doc.Version, true, null);
            _events.ConfigApplied(doc.Version, true, null, now);
            Update(now);
        }

        /// <summary>Handles a datagram received on the SIP socket.</summary>
        public void OnDatagram(byte[] data, int length, long now)
        {
            _now = now;
            _leds.Traffic(now);
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

        /// <summary>The handset on <paramref name="line"/> (1-based) went off or on hook.</summary>
        public void OnHook(int line, bool offHook, long now)
        {
            _now = now;
            if (line < 1 || line > LineCount || _offHook[line - 1] == offHook)
            {
                return;
            }

            _offHook[line - 1] = offHook;
            _events.LineStateChanged(line, offHook ? LineState.OffHook : LineState.Idle, now);
            Update(now);
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

            DropFinished();
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
                    .Property(Fields.LineState, _offHook[i] ? LineState.OffHook : LineState.Idle)
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
            if (command == "reregister")
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
                int count = 0;
                if (r != null)
                {
                    count = r.Fault == null ? 0 : LedTable.BlinkCount(r.Fault);
                    if (count > 0 && r.State == RegistrationState.Failed)
                    {
                        pattern = LedPattern.BlinkCode;
                    }
                    else if (_offHook[i])
                    {
                        pattern = LedPattern.SlowBlink;
                    }
                    else if (r.State == RegistrationState.Registered)
                    {
                        pattern = LedPattern.Solid;
                    }
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
