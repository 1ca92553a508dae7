using Ata.Core.Faults;

namespace Ata.Core.Console
{
    /// <summary>
    /// Writes the adapter's state changes into a <see cref="RecentLog"/> and passes them on to the
    /// host's own sink, so the technician console can show what happened lately.
    /// </summary>
    public sealed class LoggingEvents : IAdapterEvents
    {
        private readonly IAdapterEvents _next;
        private readonly RecentLog _log;

        /// <summary>Logs into <paramref name="log"/> and forwards to <paramref name="next"/> (may be null).</summary>
        public LoggingEvents(RecentLog log, IAdapterEvents next)
        {
            _log = log;
            _next = next;
        }

        /// <inheritdoc/>
        public void LedChanged(string led, string pattern, long now)
        {
            _log.Add(now, "led " + led + " " + pattern);
            if (_next != null)
            {
                _next.LedChanged(led, pattern, now);
            }
        }

        /// <inheritdoc/>
        public void RegistrationChanged(int line, string state, int sipCode, string fault, long now)
        {
            _log.Add(now, "line " + line.ToString() + " registration " + state + " sip " + sipCode.ToString() + (fault == null ? string.Empty : " fault " + fault));
            if (_next != null)
            {
                _next.RegistrationChanged(line, state, sipCode, fault, now);
            }
        }

        /// <inheritdoc/>
        public void LineStateChanged(int line, string state, long now)
        {
            _log.Add(now, "line " + line.ToString() + " " + state);
            if (_next != null)
            {
                _next.LineStateChanged(line, state, now);
            }
        }

        /// <inheritdoc/>
        public void ToneChanged(int line, string tone, bool playing, long now)
        {
            _log.Add(now, "line " + line.ToString() + " tone " + tone + (playing ? " on" : " off"));
            if (_next != null)
            {
                _next.ToneChanged(line, tone, playing, now);
            }
        }

        /// <inheritdoc/>
        public void DigitDialled(int line, char digit, string method, long now)
        {
            // Dialled digits are not logged one by one: the outcome line below carries the number.
            if (_next != null)
            {
                _next.DigitDialled(line, digit, method, now);
            }
        }

        /// <inheritdoc/>
        public void HookFlashed(int line, long now)
        {
            _log.Add(now, "line " + line.ToString() + " hook flash");
            if (_next != null)
            {
                _next.HookFlashed(line, now);
            }
        }

        /// <inheritdoc/>
        public void Dialled(int line, string outcome, string number, string detail, long now)
        {
            _log.Add(now, "line " + line.ToString() + " dialled " + outcome + (number == null ? string.Empty : " " + number)
                + (detail == null ? string.Empty : ": " + detail));
            if (_next != null)
            {
                _next.Dialled(line, outcome, number, detail, now);
            }
        }

        /// <inheritdoc/>
        public void FaultChanged(FaultReport report, long now)
        {
            _log.Add(now, "fault " + report.Code + (report.Raised ? " raised" : " cleared")
                + (report.Line > 0 ? " line " + report.Line.ToString() : string.Empty)
                + (report.Detail == null ? string.Empty : ": " + report.Detail));
            if (_next != null)
            {
                _next.FaultChanged(report, now);
            }
        }

        /// <inheritdoc/>
        public void ConfigApplied(long version, bool applied, string reason, long now)
        {
            _log.Add(now, "config " + version.ToString() + (applied ? " applied" : " refused: " + reason));
            if (_next != null)
            {
                _next.ConfigApplied(version, applied, reason, now);
            }
        }

        /// <inheritdoc/>
        public void GatewayChanged(string state, string problem, long now)
        {
            _log.Add(now, problem == Host.HostSupervisor.LoginRefusedProblem && state == Host.GatewayState.Waiting
                ? "gateway: " + problem
                : "gateway " + state + (problem == null ? string.Empty : ": " + problem));
            if (_next != null)
            {
                _next.GatewayChanged(state, problem, now);
            }
        }

        /// <inheritdoc/>
        public void PassThroughChanged(int line, bool passThrough, bool echoCanceller, long now)
        {
            _log.Add(now, "line " + line.ToString() + (passThrough ? " fax/modem pass-through" : " conversation audio")
                + ", echo canceller " + (echoCanceller ? "on" : "off"));
            if (_next != null)
            {
                _next.PassThroughChanged(line, passThrough, echoCanceller, now);
            }
        }

        /// <inheritdoc/>
        public void CallChanged(Calls.CallRecord call, long now)
        {
            string text = "line " + call.Line.ToString() + " " + call.Direction + " call"
                + (call.FarEnd == null ? string.Empty : (call.Direction == Calls.CallRecord.Outgoing ? " to " : " from ") + call.FarEndMasked)
                + (call.Emergency ? " (emergency)" : string.Empty) + ": " + call.State;
            if (call.State == Calls.CallState.Ended)
            {
                text += ", " + call.Outcome + (call.SipCode > 0 ? " (" + call.SipCode.ToString() + (call.Reason == null ? string.Empty : " " + call.Reason) + ")" : string.Empty);
            }
            else if (call.Codec != null)
            {
                text += " (" + call.Codec + ")";
            }

            _log.Add(now, text);
            if (_next != null)
            {
                _next.CallChanged(call, now);
            }
        }
    }
}
