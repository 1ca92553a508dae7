namespace Ata.Core.Telephony
{
    /// <summary>What a <see cref="PhoneLine"/> tells the adapter.</summary>
    public interface ILineObserver
    {
        /// <summary>The line's state changed (see <see cref="LineState"/>).</summary>
        void LineStateChanged(int line, string state, long now);

        /// <summary>A tone started (<paramref name="playing"/>) or stopped, by name.</summary>
        void ToneChanged(int line, string tone, bool playing, long now);

        /// <summary>A digit was dialled; <paramref name="method"/> is <c>dtmf</c> or <c>pulse</c>.</summary>
        void DigitDialled(int line, char digit, string method, long now);

        /// <summary>The handset gave a hook flash (R key).</summary>
        void HookFlashed(int line, long now);

        /// <summary>The dialled digits came to an outcome (see <see cref="DialOutcome"/>).</summary>
        void Dialled(int line, string outcome, string number, string detail, long now);

        /// <summary>The ringer should ring (<paramref name="on"/>) or stop.</summary>
        void Ringer(int line, bool on, long now);
    }
}
