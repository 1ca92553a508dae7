using Ata.Core.Sip.Messages;
using Ata.Core.Sip.Transport;

namespace Ata.Core.Sip
{
    /// <summary>
    /// What arrives on the SIP socket (SIP, or the DNS server's answers), on TCP flows (SIP and keep-alive pongs) and
    /// from the network (a closed connection, an unreachable address), routed: responses to the registration that owns
    /// them, the rest to the lines' calls, requests no call takes to a stateless answer.
    /// </summary>
    public sealed partial class UserAgent
    {
        /// <summary>Handles a datagram received on the SIP socket (SIP, or an answer from the DNS server).</summary>
        public void OnDatagram(byte[] data, int length, long now)
        {
            if (_dns != null && !LooksLikeSip(data, length) && _dns.OnDatagram(data, length, now))
            {
                return;
            }

            OnMessage(data, length, 0, now);
        }

        private void OnMessage(byte[] data, int length, int connection, long now)
        {
            string error;
            SipMessage message = SipMessage.Parse(data, 0, length, out error);
            if (message == null)
            {
                _parseErrors++;
                return;
            }

            SipRequest request = message as SipRequest;
            if (request != null)
            {
                if (!Dialogs.StatelessReply.RefuseMalformed(request, connection, _socket, _stream, Name, _random)
                    && !Dialogs.StatelessReply.RefuseExtensions(request, connection, _socket, _stream, Name, _random)
                    && (Calls == null || !Calls.OnRequest(request, connection, now)))
                {
                    Dialogs.StatelessReply.Answer(request, connection, _socket, _stream, Name, _random);
                }

                Sync(now);
                return;
            }

            SipResponse response = (SipResponse)message;
            bool owned = false;
            for (int i = 0; i < _lineCount; i++)
            {
                Registration r = _registrations[i];
                if (r != null && r.Owns(response))
                {
                    r.OnResponse(response, now);
                    owned = true;
                }
            }

            for (int i = _retiring.Count - 1; i >= 0; i--)
            {
                Registration r = (Registration)_retiring[i];
                if (r.Owns(response))
                {
                    r.OnResponse(response, now);
                    owned = true;
                }
            }

            if (!owned && Calls != null)
            {
                Calls.OnResponse(response, now);
            }

            Sync(now);
        }

        /// <summary>Handles bytes received on a TCP connection: SIP messages and keep-alive pongs.</summary>
        public void OnStreamData(int connection, byte[] data, int length, long now)
        {
            StreamFramer framer = _framers[connection] as StreamFramer;
            if (framer == null)
            {
                framer = new StreamFramer();
                _framers[connection] = framer;
            }

            framer.Append(data, length);
            byte[] message;
            while ((message = framer.Next()) != null)
            {
                OnMessage(message, message.Length, connection, now);
            }

            if (framer.TakePongs() > 0)
            {
                for (int i = 0; i < _lineCount; i++)
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
            _framers.Remove(connection);
            for (int i = 0; i < _lineCount; i++)
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

            Sync(now);
        }

        /// <summary>The network reported <paramref name="address"/>:<paramref name="port"/> unreachable (ICMP).</summary>
        public void OnUnreachable(string address, int port, long now)
        {
            for (int i = 0; i < _lineCount; i++)
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

            if (Calls != null)
            {
                Calls.OnUnreachable(address, port, now);
            }

            Sync(now);
        }

        private static bool LooksLikeSip(byte[] data, int length)
        {
            return length >= 4 && data[0] == (byte)'S' && data[1] == (byte)'I' && data[2] == (byte)'P' && data[3] == (byte)'/';
        }
    }
}
