using Ata.Core.Dns;
using Ata.Core.Faults;
using Ata.Core.Sip.Messages;
using Ata.Core.Sip.Transactions;
using Ata.Core.Sip.Transport;

namespace Ata.Core.Sip
{
    /// <summary>Locating the registrar and building and sending each REGISTER (contact, outbound instance, expiry, credentials).</summary>
    public sealed partial class Registration
    {
        private void SendRegister(long now)
        {
            _nextAttemptAt = -1;
            if (State != RegistrationState.Registered)
            {
                State = RegistrationState.Registering;
            }

            _awaitingDns = false;
            int located = _registrars.Locate(now, out _address, out _port);
            if (located == SipLocator.Pending)
            {
                _awaitingDns = true;
                return;
            }

            if (located == SipLocator.Failed)
            {
                Failover(FaultCode.DnsFailure, 0, "registrar host " + _registrars.Host + " does not resolve", now);
                return;
            }

            SendRequest(now);
        }

        private void SendRequest(long now)
        {
            int opened = _flow.Open(_address, _port);
            if (opened == SipFlow.NoTransport)
            {
                Fail(FaultCode.RegistrationRefused, 0, "this adapter has no TCP transport", now, false);
                return;
            }

            if (opened == SipFlow.Refused)
            {
                if (_removing)
                {
                    Finish();
                    return;
                }

                Failover(FaultCode.RegistrarUnreachable, 0, "cannot connect to the registrar over TCP", now);
                return;
            }

            // A REGISTER in flight proves the registrar alive on its own; the probe waits for its outcome.
            _probe.Stop();
            _cseq++;
            string branch = Identifiers.Branch(_random);
            _contactUri = "sip:" + _config.Username + "@" + _flow.LocalAddress + ":" + _flow.LocalPort.ToString()
                + (_flow.IsReliable ? ";transport=tcp;ob" : ";ob");
            string aor = _registrars.AddressOfRecord;
            SipRequestWriter register = new SipRequestWriter("REGISTER", _registrars.RegistrarUri)
                .Via(_flow.ViaTransport, _flow.LocalAddress, _flow.LocalPort, branch);
            if (_registrars.ProxyRoute != null)
            {
                register.Route(_registrars.ProxyRoute);
            }

            register.From(aor, _fromTag).To(aor, null).CallId(_callId).CSeq(_cseq)
                .Contact(_contactUri, _instanceId == null ? null : ";+sip.instance=\"<" + _instanceId + ">\";reg-id=1");
            if (_instanceId != null)
            {
                register.Header("Supported", "outbound");
            }

            register.Header("Expires", (_removing ? 0 : _requestedExpires).ToString()).Header("User-Agent", _userAgent);
            _answerer.Authorize(register);
            _register = new NonInviteClientTransaction(_flow, "REGISTER", branch, register.ToBytes());
            if (!_register.Start(now))
            {
                FlowGone("the connection to the registrar is gone", now);
            }
        }
    }
}
