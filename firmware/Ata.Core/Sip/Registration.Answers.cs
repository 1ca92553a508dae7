using Ata.Core.Faults;
using Ata.Core.Sip.Auth;
using Ata.Core.Sip.Messages;
using Ata.Core.Text;

namespace Ata.Core.Sip
{
    /// <summary>
    /// The registrar's answers: responses to REGISTER taken as <see cref="RegistrarAnswers"/> says (accepted,
    /// challenged, asked for a longer expiry, refused, moved), the answer to a removal, and a late answer to a
    /// timed-out request taken as proof that the registrar is back.
    /// </summary>
    public sealed partial class Registration
    {
        /// <summary>Handles a response to this registration's REGISTER or probe (see <see cref="Owns"/>).</summary>
        public void OnResponse(SipResponse response, long now)
        {
            if (_register != null && !_register.TimedOut && response.CallId == _callId && _register.Matches(response))
            {
                if (_register.OnResponse(response, now) && response.StatusCode >= 200)
                {
                    OnFinalResponse(response, now);
                }

                return;
            }

            if (_probe.OnResponse(response, now))
            {
                return;
            }

            if (_lateAnswers.IsLateAnswer(response))
            {
                OnLateAnswer(now);
            }
        }

        /// <summary>
        /// An answer to a request that had timed out: the registrar was only paused or slow and is
        /// alive now (a resumed server answers what waited in its socket at once), so a line that
        /// failed for want of an answer registers at once instead of waiting out its back-off.
        /// </summary>
        private void OnLateAnswer(long now)
        {
            if (_removing || Pending || _awaitingDns || State != RegistrationState.Failed || Fault != FaultCode.RegistrarUnreachable)
            {
                return;
            }

            _lateAnswers.Clear();
            SendRegister(now);
        }

        private void OnFinalResponse(SipResponse response, long now)
        {
            int code = response.StatusCode;
            LastSipCode = code;
            if (_removing)
            {
                OnRemovalAnswered(response, now);
                return;
            }

            string fault = RegistrarAnswers.FaultFor(code);
            string detail = RegistrarAnswers.DetailFor(code);
            switch (RegistrarAnswers.ActionFor(code))
            {
                case RegistrarAnswers.Accept:
                    OnAccepted(response, now);
                    break;
                case RegistrarAnswers.Challenge:
                    OnChallenged(response, now);
                    break;
                case RegistrarAnswers.AskLonger:
                    int minExpires = AsciiText.ParseNonNegative(response.Header("min-expires"));
                    if (minExpires > _requestedExpires)
                    {
                        _requestedExpires = minExpires;
                        SendRegister(now);
                    }
                    else
                    {
                        Fail(fault, code, detail, now, true);
                    }

                    break;
                case RegistrarAnswers.Stop:
                    Fail(fault, code, detail, now, false);
                    break;
                case RegistrarAnswers.TryOther:
                    Failover(fault, code, detail, now);
                    HonourRetryAfter(response, now);
                    break;
                default:
                    Fail(fault, code, detail, now, true);
                    HonourRetryAfter(response, now);
                    break;
            }
        }

        private void HonourRetryAfter(SipResponse response, long now)
        {
            long retryAfterMs = (long)HeaderValue.LeadingNumber(response.Header("retry-after")) * 1000;
            if (retryAfterMs > 0 && _nextAttemptAt >= 0 && now + retryAfterMs > _nextAttemptAt)
            {
                _nextAttemptAt = now + retryAfterMs;
            }
        }

        private void OnAccepted(SipResponse response, long now)
        {
            int granted = GrantedExpiresOf(response, _contactUri, _instanceId);
            if (granted < 0)
            {
                granted = _requestedExpires;
            }

            if (granted == 0)
            {
                Fail(FaultCode.RegistrationRefused, response.StatusCode, "registrar granted no time to the binding", now, true);
                return;
            }

            GrantedExpires = granted;
            Bindings = response.Headers("contact").Count;
            State = RegistrationState.Registered;
            Fault = null;
            FaultDetail = null;
            _failures = 0;
            _registrars.Succeeded();
            _lateAnswers.Clear();
            _nextAttemptAt = now + RefreshDelayMs(granted);
            _flow.KeepAlive(now, _config.KeepAliveSeconds);
            _probe.Start(now, _flow.IsReliable ? 0 : _config.RegistrarProbeSeconds);
        }

        private void OnRemovalAnswered(SipResponse response, long now)
        {
            // The registrar may want the removal authenticated too; answer one fresh challenge.
            int code = response.StatusCode;
            if ((code == 401 || code == 407) && _answerer.OnChallenge(response) == DigestAnswerer.Answer)
            {
                SendRequest(now);
                return;
            }

            Finish();
        }

        private void OnChallenged(SipResponse response, long now)
        {
            int verdict = _answerer.OnChallenge(response);
            if (verdict == DigestAnswerer.OtherRealm)
            {
                Fail(FaultCode.WrongCredentials, response.StatusCode,
                    "the provisioned HA1 is for realm '" + _config.Realm + "', which the registrar did not offer with MD5", now, false);
                return;
            }

            if (verdict == DigestAnswerer.Unsupported)
            {
                Fail(FaultCode.RegistrationRefused, response.StatusCode, "registrar asked for an authentication scheme the adapter does not support", now, true);
                return;
            }

            // Credentials answering a fresh challenge that are challenged again (without stale=true)
            // are wrong: retrying would only hammer the registrar and may lock the account.
            if (verdict == DigestAnswerer.Rejected)
            {
                Fail(RegistrarAnswers.FaultFor(response.StatusCode), response.StatusCode, RegistrarAnswers.DetailFor(response.StatusCode), now, false);
                return;
            }

            if (State != RegistrationState.Registered)
            {
                State = RegistrationState.Registering;
            }

            SendRequest(now);
        }
    }
}
