using Ata.Core.Hardware;

namespace Ata.Device.Board
{
    /// <summary>
    /// The core's ringer and line polarity on the board: line n rings, and is reversed (F/R high: it wakes a phone
    /// for caller ID sent before the first ring where the country does so), through SLIC n.
    /// </summary>
    public sealed class SlicLines : IRinger, ILinePolarity
    {
        private readonly Slic[] _lines;

        /// <summary>Drives <paramref name="lines"/> (index 0 = line 1).</summary>
        public SlicLines(Slic[] lines)
        {
            _lines = lines;
        }

        /// <inheritdoc/>
        void IRinger.Set(int line, bool on)
        {
            if (line >= 1 && line <= _lines.Length)
            {
                _lines[line - 1].Ring(on);
            }
        }

        /// <inheritdoc/>
        void ILinePolarity.Set(int line, bool reversed)
        {
            if (line >= 1 && line <= _lines.Length)
            {
                _lines[line - 1].Reverse(reversed);
            }
        }
    }
}
