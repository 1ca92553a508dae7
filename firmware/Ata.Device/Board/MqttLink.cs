using System;
using System.Collections;
using System.Net.Sockets;
using System.Text;
using Ata.Core.Contract;
using Ata.Core.Hardware;
using nanoFramework.M2Mqtt;
using nanoFramework.M2Mqtt.Messages;

namespace Ata.Device.Board
{
    /// <summary>
    /// The MQTT session with the gateway's broker (nanoFramework.M2Mqtt): connects as the device with
    /// its secret and the Last Will <c>status = offline</c> (QoS 1, retained), and queues received
    /// messages and a lost connection for the main loop, which owns the core.
    /// </summary>
    public sealed class MqttLink : IMqttSession
    {
        private const ushort KeepAliveSeconds = 30;

        private readonly string _host;
        private readonly int _port;
        private readonly string _deviceId;
        private readonly string _secret;
        private readonly Queue _messages = new Queue();
        private readonly object _gate = new object();
        private MqttClient _client;
        private bool _lost;

        /// <summary>A session to <paramref name="host"/>:<paramref name="port"/> as <paramref name="deviceId"/>.</summary>
        public MqttLink(string host, int port, string deviceId, string secret)
        {
            _host = host;
            _port = port;
            _deviceId = deviceId;
            _secret = secret;
        }

        /// <summary>True while connected.</summary>
        public bool IsConnected
        {
            get { return _client != null && _client.IsConnected; }
        }

        /// <summary>Why the last connect failed (never containing the secret), or null.</summary>
        public string Problem { get; private set; }

        /// <summary>Connects (blocking up to the socket timeout); false with <see cref="Problem"/> when the broker refused or was unreachable.</summary>
        public bool Connect()
        {
            Close();
            try
            {
                MqttClient client = new MqttClient(_host, _port, false, null, null, MqttSslProtocols.None);
                client.MqttMsgPublishReceived += OnMessage;
                client.ConnectionClosed += OnClosed;
                MqttReasonCode code = client.Connect(_deviceId, _deviceId, _secret, true, MqttQoSLevel.AtLeastOnce, true,
                    MqttTopics.For(_deviceId, MqttTopics.Status), MqttTopics.Offline, true, KeepAliveSeconds);
                if (code != MqttReasonCode.Success)
                {
                    Problem = "broker " + _host + ":" + _port.ToString() + " refused the connection (check device.id and device.secret)";
                    return false;
                }

                _client = client;
                _lost = false;
                Problem = null;
                return true;
            }
            catch (SocketException)
            {
                Problem = "broker " + _host + ":" + _port.ToString() + " unreachable";
                return false;
            }
        }

        /// <summary>True once after the connection was lost.</summary>
        public bool TakeLost()
        {
            lock (_gate)
            {
                bool lost = _lost;
                _lost = false;
                return lost;
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
        public void Publish(string topic, string payload, int qos, bool retain)
        {
            if (_client == null)
            {
                return;
            }

            _client.Publish(topic, Encoding.UTF8.GetBytes(payload), null, null, Level(qos), retain);
        }

        /// <inheritdoc/>
        public void Subscribe(string topicFilter, int qos)
        {
            if (_client == null)
            {
                return;
            }

            _client.Subscribe(new string[] { topicFilter }, new MqttQoSLevel[] { Level(qos) });
        }

        /// <summary>Disconnects, if connected.</summary>
        public void Close()
        {
            if (_client == null)
            {
                return;
            }

            try
            {
                _client.Disconnect();
            }
            catch (SocketException)
            {
            }

            _client = null;
        }

        private static MqttQoSLevel Level(int qos)
        {
            return qos == 0 ? MqttQoSLevel.AtMostOnce : (qos == 1 ? MqttQoSLevel.AtLeastOnce : MqttQoSLevel.ExactlyOnce);
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

        private void OnClosed(object sender, EventArgs e)
        {
            lock (_gate)
            {
                _lost = true;
            }
        }
    }
}
