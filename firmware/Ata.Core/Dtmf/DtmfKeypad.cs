using Ata.Core.Tones;

namespace Ata.Core.Dtmf
{
    /// <summary>The DTMF keypad (ITU-T Q.23): each key is one low-group (row) and one high-group (column) frequency.</summary>
    public static class DtmfKeypad
    {
        /// <summary>Low-group frequencies in Hz, by row.</summary>
        public static readonly int[] Rows = { 697, 770, 852, 941 };

        /// <summary>High-group frequencies in Hz, by column.</summary>
        public static readonly int[] Columns = { 1209, 1336, 1477, 1633 };

        /// <summary>The keys, row by row.</summary>
        public const string Keys = "123A456B789C*0#D";

        /// <summary>The key at <paramref name="row"/>, <paramref name="column"/>.</summary>
        public static char KeyAt(int row, int column)
        {
            return Keys[(row * 4) + column];
        }

        /// <summary>The row and column of <paramref name="key"/>; false when it is not a DTMF key.</summary>
        public static bool TryFind(char key, out int row, out int column)
        {
            int index = Keys.IndexOf(key);
            row = index < 0 ? -1 : index / 4;
            column = index < 0 ? -1 : index % 4;
            return index >= 0;
        }

        /// <summary>
        /// Writes <paramref name="count"/> samples of <paramref name="key"/>'s two tones, each at
        /// <paramref name="amplitude"/>, starting at sample <paramref name="start"/> of the tone; used by the
        /// simulator to press keys and by tests.
        /// </summary>
        public static void Synthesize(char key, int amplitude, short[] buffer, int offset, int count, int start)
        {
            int row;
            int column;
            if (!TryFind(key, out row, out column))
            {
                return;
            }

            for (int i = 0; i < count; i++)
            {
                long n = start + i;
                double value = Sine.Of((int)((Rows[row] * n) % Sine.Turn)) + Sine.Of((int)((Columns[column] * n) % Sine.Turn));
                buffer[offset + i] = (short)(value * amplitude);
            }
        }
    }
}
