using Ata.Core.Faults;

namespace Ata.Core
{
    /// <summary>What the adapter tells its host about every state change (the simulator prints them as JSON lines).</summary>
    public interface IAdapterEvents
    {
        /// <summary>An LED's pattern changed (LED name and pattern name from <see cref="Leds.LedTable"/>).</summary>
        void LedChanged(string led, string pattern, long now);

        /// <summary>A line's registration state, SIP code or fault changed.</summary>
        void RegistrationChanged(int line, string state, int sipCode, string fault, long now);

        /// <summary>A line's hook state changed (see <see cref="Telephony.LineState"/>).</summary>
        void LineStateChanged(int line, string state, long now);

        /// <summary>A line's tone started (<paramref name="playing"/>) or stopped, by name (see <see cref="Tones.ToneName"/>).</summary>
        void ToneChanged(int line, string tone, bool playing, long now);

        /// <summary>A digit was dialled on a line; <paramref name="method"/> is <c>dtmf</c> or <c>pulse</c>.</summary>
        void DigitDialled(int line, char digit, string method, long now);

        /// <summary>A line's handset gave a hook flash (R key).</summary>
        void HookFlashed(int line, long now);

        /// <summary>Dialled digits came to an outcome (see <see cref="Telephony.DialOutcome"/>): a number to call, reorder, barred, a service code.</summary>
        void Dialled(int line, string outcome, string number, string detail, long now);

        /// <summary>A fault was raised or cleared.</summary>
        void FaultChanged(FaultReport report, long now);

        /// <summary>A provisioning document was applied or refused.</summary>
        void ConfigApplied(long version, bool applied, string reason, long now);

        /// <summary>A call on a line started, rang, connected or ended (the far end's number is in <see cref="Calls.CallRecord.FarEnd"/>: mask it before it leaves the adapter).</summary>
        void CallChanged(Calls.CallRecord call, long now);

        /// <summary>
        /// A line's call switched its audio to pass-through for a fax, modem or alarm panel (V.25 answer tone;
        /// <paramref name="passThrough"/>, which stays true until the call ends), or its echo canceller turned off for
        /// an answer tone with phase reversals or back on after the quiet that followed (<paramref name="echoCanceller"/>).
        /// </summary>
        void PassThroughChanged(int line, bool passThrough, bool echoCanceller, long now);

        /// <summary>The gateway session's state changed (see <see cref="Host.GatewayState"/>); <paramref name="problem"/> says why the last attempt failed, or null.</summary>
        void GatewayChanged(string state, string problem, long now);
    }
}
