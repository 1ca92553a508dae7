using Ata.Core.Tones;

namespace Ata.Core.Media
{
    /// <summary>
    /// One turn of a sine in <see cref="Length"/> Q15 samples, the table of the oscillator kernel
    /// (<see cref="IMediaKernels.Oscillate"/>), and the phase step of a frequency. Built by the caller
    /// once (nanoFramework runs static initializers at start-up, so nothing here is built statically).
    /// </summary>
    public static class SineTable
    {
        /// <summary>Entries in the table.</summary>
        public const int Length = 1024;

        /// <summary>Right shift that turns a 32-bit phase into a table index.</summary>
        public const int IndexShift = 22;

        /// <summary>Samples per second the phase steps are for.</summary>
        public const int SampleRate = 8000;

        /// <summary>Builds the table: round(32767·sin(2π·i/<see cref="Length"/>)).</summary>
        public static short[] Build()
        {
            short[] table = new short[Length];
            for (int i = 0; i < Length; i++)
            {
                double value = Sine.OfTurn(i, Length) * 32767;
                table[i] = (short)(value >= 0 ? (int)(value + 0.5) : -(int)(-value + 0.5));
            }

            return table;
        }

        /// <summary>The 32-bit phase step a sample of <paramref name="hz"/> at 8 kHz.</summary>
        public static int StepFor(int hz)
        {
            return (int)(((long)hz << 32) / SampleRate);
        }
    }
}
