namespace Ata.Core.Tones
{
    /// <summary>
    /// One period of a sum of tones at 8 kHz, exactly: integer frequencies repeat after
    /// 8000 / gcd(8000, f1, f2, …) samples (425 Hz after 320), so playing is copying, with no
    /// arithmetic per sample. Kept as 16-bit PCM and as G.711 A-law and µ-law.
    /// </summary>
    public sealed class ToneLoop
    {
        /// <summary>Samples per second.</summary>
        public const int SampleRate = 8000;

        /// <summary>Creates the loop of <paramref name="frequencies"/> (Hz), each at <paramref name="amplitude"/>.</summary>
        public ToneLoop(int[] frequencies, int amplitude)
        {
            int g = SampleRate;
            for (int i = 0; i < frequencies.Length; i++)
            {
                g = Gcd(g, frequencies[i]);
            }

            int period = SampleRate / g;
            Frequencies = frequencies;
            Pcm = new short[period];
            ALaw = new byte[period];
            MuLaw = new byte[period];
            for (int n = 0; n < period; n++)
            {
                double sum = 0;
                for (int i = 0; i < frequencies.Length; i++)
                {
                    sum += Sine.Of((int)(((long)frequencies[i] * n) % SampleRate));
                }

                int value = Round(sum * amplitude);
                if (value > short.MaxValue)
                {
                    value = short.MaxValue;
                }
                else if (value < short.MinValue)
                {
                    value = short.MinValue;
                }

                Pcm[n] = (short)value;
                ALaw[n] = G711.ToALaw(Pcm[n]);
                MuLaw[n] = G711.ToMuLaw(Pcm[n]);
            }
        }

        /// <summary>The frequencies, in Hz.</summary>
        public int[] Frequencies { get; private set; }

        /// <summary>One period as 16-bit PCM.</summary>
        public short[] Pcm { get; private set; }

        /// <summary>One period as A-law.</summary>
        public byte[] ALaw { get; private set; }

        /// <summary>One period as µ-law.</summary>
        public byte[] MuLaw { get; private set; }

        /// <summary>Samples in one period.</summary>
        public int Period
        {
            get { return Pcm.Length; }
        }

        /// <summary>The amplitude of each component for a tone of <paramref name="components"/> frequencies: about −10 dBm0 in all.</summary>
        public static int AmplitudeFor(int components)
        {
            switch (components)
            {
                case 1: return 7200;
                case 2: return 5100;
                default: return 3600;
            }
        }

        /// <summary>Greatest common divisor.</summary>
        public static int Gcd(int a, int b)
        {
            while (b != 0)
            {
                int t = a % b;
                a = b;
                b = t;
            }

            return a < 0 ? -a : a;
        }

        private static int Round(double value)
        {
            return value >= 0 ? (int)(value + 0.5) : -(int)(-value + 0.5);
        }
    }
}
