namespace Ata.Core.Settings
{
    /// <summary>
    /// The factory-reset button: held down for <see cref="HoldMs"/> it asks for a factory reset, once
    /// per press. A shorter press does nothing, so a knock or a child's finger cannot wipe the board.
    /// </summary>
    public sealed class FactoryResetButton
    {
        /// <summary>How long the button must be held.</summary>
        public const long HoldMs = 10000;

        private bool _down;
        private bool _fired;
        private long _downAt;

        /// <summary>The button's level changed (true = pressed).</summary>
        public void Changed(bool pressed, long now)
        {
            if (pressed && !_down)
            {
                _downAt = now;
                _fired = false;
            }

            _down = pressed;
        }

        /// <summary>True exactly once per press, when it has been held long enough.</summary>
        public bool Due(long now)
        {
            if (_down && !_fired && now - _downAt >= HoldMs)
            {
                _fired = true;
                return true;
            }

            return false;
        }
    }
}
