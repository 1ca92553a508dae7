using Ata.Core.Hardware;

namespace Ata.Device.Board
{
    /// <summary>
    /// The core's line polarity on the board: line n is reversed through SLIC n's F/R pin (high =
    /// reversed), which wakes a phone for caller ID sent before the first ring where the country does so.
    /// </summary>
    public sealed class SlicPolarity : ILinePolarity
    {
        private readonly Slic[] _lines;

        /// <summary>Reverses through <paramref name="lines"/> (index 0 = line 1).</summary>
        public SlicPolarity(Slic[] lines)
        {
            _lines = lines;
        }

        /// <inheritdoc/>
        public void Set(int line, bool reversed)
        {
            if (line >= 1 && line <= _lines.Length)
            {
                _lines[line - 1].Reverse(reversed);
            }
        }
    }
}
