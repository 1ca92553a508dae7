using System.Collections;
using Ata.Core.Calls;
using Ata.Core.Contract;
using Ata.Core.Faults;
using Ata.Core.Hardware;
using Ata.Core.Json;

namespace Ata.Core.Gateway
{
    /// <summary>What the gateway asks of the adapter, as the link hears it.</summary>
    public interface IGatewayRequests
    {
        /// <summary>A provisioning document arrived on <c>config</c> (not yet parsed).</summary>
        void ConfigReceived(string payload, long now);

        /// <summary>A command arrived on <c>cmd</c>; <paramref name="command"/> is null when the payload was not one.</summary>
        void CommandReceived(string id, string command, Hashtable arguments, long now);
    }

    /// <summary>
    /// The adapter's side of the MQTT contract: announces the adapter on every session, publishes
    /// health, and keeps every QoS 1 report (faults, config acknowledgements, command results,
    /// service reports, call records) in a bounded outbox until the broker has acknowledged it, so nothing is lost
    /// while the gateway is unreachable or a session drops. When the outbox is full the oldest report
    /// is dropped and counted. After every connection the open faults follow as one snapshot, so the
    /// gateway's view of them converges on the adapter's, across outages and reboots.
    /// </summary>
    public sealed class GatewayLink
    {
        /// <summary>Reports kept while the gateway is unreachable.</summary>
        public const int OutboxCapacity = 64;

        /// <summary>Reports handed to the session and not yet acknowledged, at most.</summary>
        public const int InFlightWindow = 8;

        private readonly string _deviceId;
        private readonly string _boot;
        private readonly IGatewayRequests _requests;
        private readonly ArrayList _outbox = new ArrayList();
        private IMqttSession _session;
        private long _dropped;
        private long _callsReported;

        /// <summary>Creates the link of <paramref name="deviceId"/> for the boot named <paramref name="boot"/>.</summary>
        public GatewayLink(string deviceId, string boot, IGatewayRequests requests)
        {
            _deviceId = deviceId;
            _boot = boot;
            _requests = requests;
        }

        /// <summary>This boot's id, carried by hello and every fault report.</summary>
        public string Boot
        {
            get { return _boot; }
        }

        /// <summary>True while a session is attached.</summary>
        public bool IsConnected
        {
            get { return _session != null; }
        }

        /// <summary>Reports waiting for the broker's acknowledgement (sent or not).</summary>
        public int Queued
        {
            get { return _outbox.Count; }
        }

        /// <summary>Reports dropped, oldest first, because the outbox was full.</summary>
        public long Dropped
        {
            get { return _dropped; }
        }

        /// <summary>True when every report has been acknowledged by the broker.</summary>
        public bool IsFlushed
        {
            get { return _outbox.Count == 0; }
        }

        /// <summary>
        /// A session is up: announce the adapter (status, hello), subscribe to its gateway→device topics,
        /// then send what waited, followed by the snapshot of the open <paramref name="faults"/>.
        /// </summary>
        public void Connected(IMqttSession session, string helloJson, FaultBoard faults, long now)
        {
            _session = session;
            for (int i = 0; i < _outbox.Count; i++)
            {
                ((OutboxEntry)_outbox[i]).Token = 0;
            }

            // Subscribed before announcing: the gateway sends the config when it sees the adapter.
            session.Subscribe(Topic(MqttTopics.Config), MqttTopics.ReliableQos);
            session.Subscribe(Topic(MqttTopics.Command), MqttTopics.ReliableQos);
            session.Publish(Topic(MqttTopics.Status), MqttTopics.Online, MqttTopics.ReliableQos, true);
            session.Publish(Topic(MqttTopics.Hello), helloJson, MqttTopics.ReliableQos, false);
            // The snapshot supersedes one that never got out, and never pushes a report out of the outbox.
            for (int i = _outbox.Count - 1; i >= 0; i--)
            {
                if (((OutboxEntry)_outbox[i]).IsSnapshot)
                {
                    _outbox.RemoveAt(i);
                }
            }

            OutboxEntry snapshot = new OutboxEntry(MqttTopics.Fault, SnapshotJson(faults, now), null);
            snapshot.IsSnapshot = true;
            _outbox.Add(snapshot);
            Pump(now);
        }

        /// <summary>The session is gone: reports in flight are sent again on the next one.</summary>
        public void Disconnected()
        {
            _session = null;
            for (int i = 0; i < _outbox.Count; i++)
            {
                ((OutboxEntry)_outbox[i]).Token = 0;
            }
        }

        /// <summary>The broker acknowledged the report behind <paramref name="token"/>.</summary>
        public void Delivered(int token, long now)
        {
            for (int i = 0; i < _outbox.Count; i++)
            {
                if (((OutboxEntry)_outbox[i]).Token == token)
                {
                    _outbox.RemoveAt(i);
                    break;
                }
            }

            Pump(now);
        }

        /// <summary>Handles a message on one of the adapter's gateway→device topics; others are ignored.</summary>
        public void Received(string topic, string payload, long now)
        {
            string deviceId;
            string leaf;
            if (!MqttTopics.TryParse(topic, out deviceId, out leaf) || deviceId != _deviceId)
            {
                return;
            }

            if (leaf == MqttTopics.Config)
            {
                _requests.ConfigReceived(payload, now);
            }
            else if (leaf == MqttTopics.Command)
            {
                Hashtable table = null;
                try
                {
                    table = JsonReader.ParseObject(payload);
                }
                catch (JsonException)
                {
                }

                _requests.CommandReceived(
                    table == null ? null : JsonObject.GetString(table, Fields.Id),
                    table == null ? null : JsonObject.GetString(table, Fields.Command),
                    table,
                    now);
            }
        }

        /// <summary>Queues a fault change; its age is worked out when it is sent.</summary>
        public void SendFault(FaultReport report, long now)
        {
            Enqueue(new OutboxEntry(MqttTopics.Fault, null, report));
            Pump(now);
        }

        /// <summary>
        /// Queues the record of a finished <paramref name="call"/> on <c>call</c> (see <see cref="CallReport"/>),
        /// numbered in this boot so the gateway takes a record sent again after a lost acknowledgement once.
        /// </summary>
        public void SendCall(CallRecord call, long now)
        {
            _callsReported++;
            OutboxEntry entry = new OutboxEntry(MqttTopics.Call, null, null);
            entry.Call = new CallReport(call, _boot, _callsReported);
            Enqueue(entry);
            Pump(now);
        }

        /// <summary>Queues a QoS 1 report on <paramref name="leaf"/>.</summary>
        public void Send(string leaf, string payload, long now)
        {
            Enqueue(new OutboxEntry(leaf, payload, null));
            Pump(now);
        }

        /// <summary>Publishes the periodic health report (QoS 0: only while connected, never queued).</summary>
        public void SendHealth(string payload)
        {
            if (_session != null)
            {
                _session.Publish(Topic(MqttTopics.Health), payload, MqttTopics.HealthQos, false);
            }
        }

        /// <summary>Sends queued reports up to the in-flight window; ages are taken at <paramref name="now"/>.</summary>
        public void Pump(long now)
        {
            if (_session == null)
            {
                return;
            }

            int inFlight = 0;
            for (int i = 0; i < _outbox.Count && inFlight < InFlightWindow; i++)
            {
                OutboxEntry entry = (OutboxEntry)_outbox[i];
                if (entry.Token > 0)
                {
                    inFlight++;
                    continue;
                }

                string payload = entry.Fault != null ? entry.Fault.ToJson(_boot, now) : entry.Call != null ? entry.Call.ToJson(now) : entry.Payload;
                int token = _session.Publish(Topic(entry.Leaf), payload, MqttTopics.ReliableQos, false);
                if (token <= 0)
                {
                    return;
                }

                entry.Token = token;
                inFlight++;
            }
        }

        private void Enqueue(OutboxEntry entry)
        {
            if (_outbox.Count >= OutboxCapacity)
            {
                for (int i = 0; i < _outbox.Count; i++)
                {
                    OutboxEntry oldest = (OutboxEntry)_outbox[i];
                    if (oldest.Token == 0 && !oldest.IsSnapshot)
                    {
                        _outbox.RemoveAt(i);
                        _dropped++;
                        break;
                    }
                }
            }

            _outbox.Add(entry);
        }

        private string SnapshotJson(FaultBoard faults, long now)
        {
            FaultReport[] active = faults.Active();
            JsonWriter w = new JsonWriter().BeginObject()
                .Property(Fields.Boot, _boot)
                .Property(Fields.Sequence, faults.Sequence)
                .Property(Fields.State, FaultCode.Snapshot)
                .Property(Fields.ReportsDropped, _dropped);
            w.Name(Fields.Active).BeginArray();
            for (int i = 0; i < active.Length; i++)
            {
                w.BeginObject().Property(Fields.Code, active[i].Code);
                active[i].WriteContext(w, now);
                w.EndObject();
            }

            return w.EndArray().EndObject().ToString();
        }

        private string Topic(string leaf)
        {
            return MqttTopics.For(_deviceId, leaf);
        }

        private sealed class OutboxEntry
        {
            public OutboxEntry(string leaf, string payload, FaultReport fault)
            {
                Leaf = leaf;
                Payload = payload;
                Fault = fault;
            }

            public string Leaf;
            public string Payload;
            public FaultReport Fault;
            public CallReport Call;
            public int Token;
            public bool IsSnapshot;
        }
    }
}
