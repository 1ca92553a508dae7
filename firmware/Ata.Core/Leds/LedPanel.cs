using Ata.Core.Hardware;

namespace Ata.Core.Leds
{
    /// <summary>
    /// The four LEDs: holds each one's pattern and drives the pins from the time passed in.
    /// A pattern restarts its phase when it changes, so a blink code always begins with blink one.
    /// </summary>
    public sealed class LedPanel
    {
        private readonly ILed[] _pins;
        private readonly LedPattern[] _patterns = new LedPattern[4];
        private readonly int[] _counts = new int[4];
        private readonly long[] _since = new long[4];
        private readonly bool[] _lit = new bool[4];
        private long _trafficAt = -LedTable.TrafficFlickerMs;

        /// <summary>Creates the panel; <paramref name="pins"/> are PWR, WAN, TEL1, TEL2 (entries may be null).</summary>
        public LedPanel(ILed[] pins)
        {
            _pins = pins;
        }

        /// <summary>The pattern of LED <paramref name="index"/> (see <see cref="LedTable.Names"/>).</summary>
        public LedPattern Pattern(int index)
        {
            return _patterns[index];
        }

        /// <summary>The wire name of LED <paramref name="index"/>'s pattern.</summary>
        public string PatternName(int index)
        {
            return LedTable.PatternName(_patterns[index], _counts[index]);
        }

        /// <summary>Sets a pattern; returns true when it changed.</summary>
        public bool Set(int index, LedPattern pattern, int count, long now)
        {
            if (pattern != LedPattern.BlinkCode)
            {
                count = 0;
            }

            if (_patterns[index] == pattern && _counts[index] == count)
            {
                return false;
            }

            _patterns[index] = pattern;
            _counts[index] = count;
            _since[index] = now;
            return true;
        }

        /// <summary>Marks WAN traffic, so a solid WAN LED flickers.</summary>
        public void Traffic(long now)
        {
            _trafficAt = now;
        }

        /// <summary>Whether LED <paramref name="index"/> is lit at <paramref name="now"/>.</summary>
        public bool IsLit(int index, long now)
        {
            bool lit = LedTable.IsLit(_patterns[index], _counts[index], now - _since[index]);
            if (index == LedTable.Wan && lit && _patterns[index] == LedPattern.Solid && now - _trafficAt < LedTable.TrafficFlickerMs)
            {
                return false;
            }

            return lit;
        }

        /// <summary>Drives the pins for time <paramref name="now"/>; writes a pin only when its level changes.</summary>
        public void Tick(long now)
        {
            for (int i = 0; i < _patterns.Length; i++)
            {
                bool lit = IsLit(i, now);
                if (lit != _lit[i] || now == _since[i])
                {
                    _lit[i] = lit;
                    if (_pins != null && i < _pins.Length && _pins[i] != null)
                    {
                        _pins[i].Set(lit);
                    }
                }
            }
        }
    }
}
