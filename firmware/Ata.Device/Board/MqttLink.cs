using System;
using System.Collections;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;
using Ata.Core.Contract;
using Ata.Core.Hardware;
using Ata.Core.Host;
using nanoFramework.M2Mqtt;
using nanoFramework.M2Mqtt.Exceptions;
using nanoFramework.M2Mqtt.Messages;

namespace Ata.Device.Board
{
    /// <summary>
    /// The MQTT session with the gateway's broker (nanoFramework.M2Mqtt). It connects and says goodbye
    /// only when the core's supervisor asks, each on a thread of its own so the main loop never
    /// blocks on the network, and queues what happens (connected, refused, lost, delivered, messages)
    /// for the main loop, which owns the core. Given the broker's CA (<see cref="TrustOnly"/>), it
    /// connects over TLS 1.2 and accepts the broker only with a certificate issued by that CA.
    /// </summary>
    public sealed class MqttLink : IMqttSession
    {
        /// <summary>Nothing has happened since the last look.</summary>
        public const int None = 0;
        /// <summary>The session is up.</summary>
        public const int Connected = 1;
        /// <summary>The broker refused the login.</summary>
        public const int Refused = 2;
        /// <summary>The broker could not be reached.</summary>
        public const int Unreachable = 3;
        /// <summary>The session dropped without being asked to.</summary>
        public const int Lost = 4;
        /// <summary>The goodbye is done.</summary>
        public const int Left = 5;

        private const ushort KeepAliveSeconds = 30;

        private readonly Queue _happenings = new Queue();
        private readonly Queue _messages = new Queue();
        private readonly Queue _delivered = new Queue();
        private readonly object _gate = new object();
        private HostRequest _request;
        private MqttClient _client;
        private bool _leaving;
        private X509Certificate _ca;

        /// <summary>
        /// Connects over TLS 1.2 from now on, checking the broker against <paramref name="caPem"/>
        /// (the CA certificate in PEM) alone; null or empty keeps plaintext MQTT.
        /// </summary>
        public void TrustOnly(string caPem)
        {
            _ca = caPem == null || caPem.Length == 0 ? null : new X509Certificate(caPem);
        }

        /// <summary>Whether the session is over TLS (a CA was given).</summary>
        public bool Secure
        {
            get { return _ca != null; }
        }

        /// <summary>Why the last attempt failed (never containing the secret), or null.</summary>
        public string Problem { get; private set; }

        /// <summary>Starts connecting as <paramref name="request"/> says; the outcome comes through <see cref="TakeHappening"/>.</summary>
        public void Connect(HostRequest request)
        {
            _request = request;
            _leaving = false;
            new Thread(ConnectNow).Start();
        }

        /// <summary>Starts the goodbye: <c>offline</c> (retained), then DISCONNECT, so no Last Will fires.</summary>
        public void Leave()
        {
            _leaving = true;
            new Thread(LeaveNow).Start();
        }

        /// <summary>The oldest happening (<see cref="Connected"/>, <see cref="Refused"/>…), or <see cref="None"/>.</summary>
        public int TakeHappening()
        {
            lock (_gate)
            {
                return _happenings.Count == 0 ? None : (int)_happenings.Dequeue();
            }
        }

        /// <summary>Takes the token of a message the broker acknowledged; false when none is waiting.</summary>
        public bool TryTakeDelivered(out int token)
        {
            lock (_gate)
            {
                token = _delivered.Count == 0 ? 0 : (int)_delivered.Dequeue();
                return token > 0;
            }
        }

        /// <summary>Takes the oldest received message; false when none is waiting.</summary>
        public bool TryTake(out string topic, out string payload)
        {
            lock (_gate)
            {
                if (_messages.Count == 0)
                {
                    topic = null;
                    payload = null;
                    return false;
                }

                string[] message = (string[])_messages.Dequeue();
                topic = message[0];
                payload = message[1];
                return true;
            }
        }

        /// <inheritdoc/>
        public int Publish(string topic, string payload, int qos, bool retain)
        {
            MqttClient client = _client;
            if (client == null || !client.IsConnected)
            {
                return 0;
            }

            try
            {
                ushort id = client.Publish(topic, Encoding.UTF8.GetBytes(payload), null, null, Level(qos), retain);
                return qos == 0 ? 0 : id;
            }
            catch (SocketException)
            {
                return 0;
            }
        }

        /// <inheritdoc/>
        public void Subscribe(string topicFilter, int qos)
        {
            MqttClient client = _client;
            if (client != null)
            {
                client.Subscribe(new string[] { topicFilter }, new MqttQoSLevel[] { Level(qos) });
            }
        }

        private void ConnectNow()
        {
            HostRequest request = _request;
            X509Certificate ca = _ca;
            try
            {
                MqttClient client = ca == null
                    ? new MqttClient(request.Host, request.Port, false, null, null, MqttSslProtocols.None)
                    : new MqttClient(request.Host, request.Port, true, ca, null, MqttSslProtocols.TLSv1_2);
                client.MqttMsgPublishReceived += OnMessage;
                client.MqttMsgPublished += OnPublished;
                client.ConnectionClosed += OnClosed;
                MqttReasonCode code = client.Connect(request.ClientId, request.ClientId, request.Secret, true, MqttQoSLevel.AtLeastOnce, true,
                    MqttTopics.For(request.ClientId, MqttTopics.Status), MqttTopics.Offline, true, KeepAliveSeconds);
                if (code != MqttReasonCode.Success)
                {
                    Problem = "broker " + request.Host + ":" + request.Port.ToString() + " refused the login";
                    Happen(Refused);
                    return;
                }

                _client = client;
                Problem = null;
                Happen(Connected);
            }
            catch (SocketException)
            {
                Problem = "broker " + request.Host + ":" + request.Port.ToString() + " unreachable";
                Happen(Unreachable);
            }
            catch (MqttConnectionException)
            {
                // M2Mqtt wraps what failed while opening the channel: the TCP connection or, with a CA, the TLS handshake.
                Problem = ca == null
                    ? "broker " + request.Host + ":" + request.Port.ToString() + " unreachable"
                    : "broker " + request.Host + ":" + request.Port.ToString() + " unreachable over TLS, or its certificate is not from the CA given at onboarding";
                Happen(Unreachable);
            }
        }

        private void LeaveNow()
        {
            MqttClient client = _client;
            _client = null;
            if (client != null && client.IsConnected)
            {
                try
                {
                    client.Publish(MqttTopics.For(_request.ClientId, MqttTopics.Status), Encoding.UTF8.GetBytes(MqttTopics.Offline), null, null,
                        MqttQoSLevel.AtLeastOnce, true);
                    client.Disconnect();
                }
                catch (SocketException)
                {
                }
            }

            Happen(Left);
        }

        private void Happen(int what)
        {
            lock (_gate)
            {
                _happenings.Enqueue(what);
            }
        }

        private static MqttQoSLevel Level(int qos)
        {
            return qos == 0 ? MqttQoSLevel.AtMostOnce : MqttQoSLevel.AtLeastOnce;
        }

        private void OnMessage(object sender, MqttMsgPublishEventArgs e)
        {
            byte[] body = e.Message;
            string text = body == null ? string.Empty : Encoding.UTF8.GetString(body, 0, body.Length);
            lock (_gate)
            {
                _messages.Enqueue(new string[] { e.Topic, text });
            }
        }

        private void OnPublished(object sender, MqttMsgPublishedEventArgs e)
        {
            if (e.IsPublished)
            {
                lock (_gate)
                {
                    _delivered.Enqueue((int)e.MessageId);
                }
            }
        }

        private void OnClosed(object sender, EventArgs e)
        {
            if (sender == _client && !_leaving)
            {
                _client = null;
                Happen(Lost);
            }
        }
    }
}
