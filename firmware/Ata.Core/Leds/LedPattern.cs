namespace Ata.Core.Leds
{
    /// <summary>What an LED does. <see cref="BlinkCode"/> uses a count (n blinks, then a pause).</summary>
    public enum LedPattern
    {
        /// <summary>Dark.</summary>
        Off = 0,
        /// <summary>Lit.</summary>
        Solid = 1,
        /// <summary>1 Hz blink.</summary>
        SlowBlink = 2,
        /// <summary>5 Hz blink.</summary>
        FastBlink = 3,
        /// <summary>n short blinks, then a pause.</summary>
        BlinkCode = 4,

        /// <summary>Lit, going dark briefly every 2 s: a message is waiting (TEL).</summary>
        MessageWaiting = 5,
    }
}
