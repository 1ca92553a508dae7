using Ata.Core.Hardware;

namespace Ata.Device.Board
{
    /// <summary>The core's ringer on the board: line n rings through SLIC n.</summary>
    public sealed class SlicRinger : IRinger
    {
        private readonly Slic[] _lines;

        /// <summary>Rings through <paramref name="lines"/> (index 0 = line 1).</summary>
        public SlicRinger(Slic[] lines)
        {
            _lines = lines;
        }

        /// <inheritdoc/>
        public void Set(int line, bool on)
        {
            if (line >= 1 && line <= _lines.Length)
            {
                _lines[line - 1].Ring(on);
            }
        }
    }
}
