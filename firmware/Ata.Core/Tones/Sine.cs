namespace Ata.Core.Tones
{
    /// <summary>
    /// The sine of a phase counted in 1/8000ths of a turn (one sample period of 1 Hz at 8 kHz), for
    /// building loop buffers once; nanoFramework has no System.Math.
    /// </summary>
    public static class Sine
    {
        /// <summary>Phase steps in a full turn: the sample rate, so a frequency f advances f steps a sample.</summary>
        public const int Turn = 8000;

        private const double TwoPi = 6.283185307179586;

        /// <summary>sin(2π·<paramref name="phase"/>/<see cref="Turn"/>), accurate to better than 1e-9.</summary>
        public static double Of(int phase)
        {
            return OfTurn(phase, Turn);
        }

        /// <summary>sin(2π·<paramref name="part"/>/<paramref name="whole"/>) for an even <paramref name="whole"/> divisible by 4, accurate to better than 1e-9.</summary>
        public static double OfTurn(int part, int whole)
        {
            part %= whole;
            if (part < 0)
            {
                part += whole;
            }

            double sign = 1;
            if (part >= whole / 2)
            {
                part -= whole / 2;
                sign = -1;
            }

            if (part > whole / 4)
            {
                part = (whole / 2) - part;
            }

            double x = TwoPi * part / whole;
            double x2 = x * x;
            double term = x;
            double sum = x;
            for (int k = 1; k <= 8; k++)
            {
                term = -term * x2 / ((2 * k) * ((2 * k) + 1));
                sum += term;
            }

            return sign * sum;
        }
    }
}
