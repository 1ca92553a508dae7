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
    /// What the host feeds the adapter (MQTT, SIP and RTP datagrams, stream data, hook and audio,
    /// the WAN's state, the outcome of what it asked) and what a command asks of it; each goes to
    /// the part that decides (see <see cref="Adapter"/>).
    /// </summary>
    public sealed partial class Adapter
    {
        /// <summary>The per-sample audio kernels the calls run (the board's native ones; the managed reference by default).</summary>
        public void UseMediaKernels(IMediaKernels kernels)
        {
            for (int i = 0; i < LineCount; i++)
            {
                _calls[i].Kernels = kernels;
                _ports[i].UseKernels(kernels, _sine);
            }
        }

        /// <summary>
        /// The board's audio path delay (playback plus capture buffering, in samples at 8 kHz) before the hybrid's
        /// echo of the earpiece can reach the microphone: every call's echo canceller looks this far back, so its
        /// 16 ms tail starts where the echo does (0 by default: the host hands both over at the same instant). A line's
        /// own value (measured, or stored by the technician) follows with <see cref="UseEchoPathDelay(int, int)"/>.
        /// </summary>
        public void UseEchoPathDelay(int samples)
        {
            for (int i = 0; i < LineCount; i++)
            {
                _calls[i].EchoPathDelaySamples = samples;
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
                    case HostRequestKind.FactoryReset:
                        host.FactoryReset(request.Reason);
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

        /// <summary>
        /// Factory reset from the gateway: every line unregisters, the reports still queued (the
        /// command's answer among them) go out, then the host erases everything stored (settings, device
        /// secret, broker CA, provisioning) and restarts, unprovisioned, waiting for a new onboarding code.
        /// </summary>
        public void FactoryReset(string reason, long now)
        {
            UnregisterAll(now);
            _host.RequestFactoryReset(reason, now);
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
            port.Tick(_sip.IsRegistered(line), SinkFor(line - 1), now);
            Refresh(now);
        }

        /// <summary>Audio from the handset of <paramref name="line"/> (8 kHz 16-bit): DTMF is taken from it while off hook (the echo path probe takes it while it measures the line).</summary>
        public void OnAudio(int line, short[] samples, int offset, int count, long now)
        {
            if (ProbeHears(line, samples, offset, count))
            {
                return;
            }

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
    }
}
