using Ata.Core.DialPlan;

namespace Ata.Core.Telephony
{
    /// <summary>
    /// Dialling: the digits collected so far judged against the line's service codes, emergency numbers and dial plan,
    /// until a number is ready to call (barring and handset call-forwarding codes checked) or an outcome tone says why not.
    /// </summary>
    public sealed partial class PhoneLine
    {
        private void Evaluate(long now)
        {
            string digits = _digits;
            _detail = null;
            ServiceCodes services = _profile.Services;
            if (!_serviceless && services != null && EvaluateService(services, ref digits, now))
            {
                return;
            }

            if (_profile.Numbering.IsEmergency(digits))
            {
                Ready(digits, now);
                return;
            }

            if (_serviceless && !_profile.Numbering.CouldBeEmergency(digits))
            {
                Finish(DialOutcome.NoService, digits, "the line is not registered: only emergency numbers can be called", Tones.ToneName.NoService, now);
                return;
            }

            if (digits.Length > MaxDigits)
            {
                Finish(DialOutcome.NoMatch, digits, "more than " + MaxDigits.ToString() + " digits", Tones.ToneName.Congestion, now);
                return;
            }

            DigitMap map = _profile.DigitMap;
            _match = map.Match(digits);
            if (_match == DialMatch.NoMatch && digits.Length > 1 && digits[digits.Length - 1] == '#')
            {
                // '#' that no pattern takes means "send now".
                string number = digits.Substring(0, digits.Length - 1);
                DialMatch before = map.Match(number);
                if (before == DialMatch.Complete || before == DialMatch.CompleteOrLonger || _profile.Numbering.IsEmergency(number))
                {
                    Ready(number, now);
                    return;
                }
            }

            if (_match == DialMatch.NoMatch && _profile.Numbering.CouldBeEmergency(digits))
            {
                // A provisioned dial plan need not list the emergency numbers: they can always be dialled
                // (the long inter-digit timer still ends one that never completes).
                _match = DialMatch.Partial;
            }

            if (_match == DialMatch.NoMatch)
            {
                Finish(DialOutcome.NoMatch, digits, "the dial plan has no such number", Tones.ToneName.Congestion, now);
            }
            else if (_match == DialMatch.Complete)
            {
                Ready(digits, now);
            }
        }

        /// <summary>
        /// The line's service codes: a strict beginning of one waits for more digits; call return calls the
        /// last caller; the anonymous-calling prefix is taken off <paramref name="digits"/> (and remembered).
        /// Returns true when the digits were dealt with.
        /// </summary>
        private bool EvaluateService(ServiceCodes services, ref string digits, long now)
        {
            _detail = null;
            if (services.CouldBeCode(digits))
            {
                _match = DialMatch.Partial;
                return true;
            }

            if (digits == services.CallReturn)
            {
                if (LastCaller == null)
                {
                    Finish(DialOutcome.ServiceRefused, digits, "no caller to call back", Tones.ToneName.Refusal, now);
                }
                else
                {
                    _detail = ServiceCodes.CallReturnDetail;
                    Ready(LastCaller, now);
                }

                return true;
            }

            string number;
            if (services.StripAnonymous(digits, out number))
            {
                _detail = ServiceCodes.AnonymousCallDetail;
                digits = number;
                if (number.Length == 0)
                {
                    _match = DialMatch.Partial;
                    return true;
                }
            }

            return false;
        }

        private void Ready(string number, long now)
        {
            if (number.Length > 4 && number.StartsWith("*21*") && number[number.Length - 1] == '#')
            {
                Finish(DialOutcome.ServiceRefused, number, "call forwarding cannot be set from the handset", Tones.ToneName.Refusal, now);
                return;
            }

            if (number == "#21#")
            {
                Finish(DialOutcome.ServiceAccepted, number, "cancel call forwarding", Tones.ToneName.Confirmation, now);
                return;
            }

            if (_profile.Numbering.IsEmergency(number))
            {
                StopTone(now);
                SetState(LineState.Calling, now);
                _observer.Dialled(_line, DialOutcome.Emergency, number, null, now);
                return;
            }

            string barring = _profile.Numbering.ClassOf(number);
            if (barring != null && _profile.IsBarred(barring))
            {
                Finish(DialOutcome.Barred, number, barring, Tones.ToneName.Refusal, now);
                return;
            }

            StopTone(now);
            SetState(LineState.Calling, now);
            _observer.Dialled(_line, DialOutcome.Call, number, _detail, now);
        }

        private void Finish(string outcome, string number, string detail, string tone, long now)
        {
            SetState(LineState.Signalling, now);
            Play(tone, now);
            _observer.Dialled(_line, outcome, number, detail, now);
        }
    }
}
