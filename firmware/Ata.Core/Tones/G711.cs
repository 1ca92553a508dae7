namespace Ata.Core.Tones
{
    /// <summary>ITU-T G.711 A-law and µ-law companding of 16-bit linear samples (the classic segment search).</summary>
    public static class G711
    {
        private static readonly int[] ALawSegmentEnds = { 0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF };
        private static readonly int[] MuLawSegmentEnds = { 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF };

        /// <summary>A-law code of silence.</summary>
        public const byte ALawSilence = 0xD5;

        /// <summary>µ-law code of silence.</summary>
        public const byte MuLawSilence = 0xFF;

        /// <summary>Encodes one 16-bit sample as A-law.</summary>
        public static byte ToALaw(short sample)
        {
            int pcm = sample >> 3;
            int mask;
            if (pcm >= 0)
            {
                mask = 0xD5;
            }
            else
            {
                mask = 0x55;
                pcm = -pcm - 1;
            }

            int segment = Segment(pcm, ALawSegmentEnds);
            if (segment >= 8)
            {
                return (byte)(0x7F ^ mask);
            }

            int value = segment << 4;
            value |= segment < 2 ? (pcm >> 1) & 0x0F : (pcm >> segment) & 0x0F;
            return (byte)(value ^ mask);
        }

        /// <summary>Decodes one A-law byte to a 16-bit sample.</summary>
        public static short FromALaw(byte code)
        {
            int a = code ^ 0x55;
            int t = (a & 0x0F) << 4;
            int segment = (a & 0x70) >> 4;
            switch (segment)
            {
                case 0:
                    t += 8;
                    break;
                case 1:
                    t += 0x108;
                    break;
                default:
                    t += 0x108;
                    t <<= segment - 1;
                    break;
            }

            return (short)((a & 0x80) != 0 ? t : -t);
        }

        /// <summary>Encodes one 16-bit sample as µ-law.</summary>
        public static byte ToMuLaw(short sample)
        {
            int pcm = sample >> 2;
            int mask;
            if (pcm < 0)
            {
                pcm = -pcm;
                mask = 0x7F;
            }
            else
            {
                mask = 0xFF;
            }

            if (pcm > 8159)
            {
                pcm = 8159;
            }

            pcm += 0x84 >> 2;
            int segment = Segment(pcm, MuLawSegmentEnds);
            if (segment >= 8)
            {
                return (byte)(0x7F ^ mask);
            }

            int value = (segment << 4) | ((pcm >> (segment + 1)) & 0x0F);
            return (byte)(value ^ mask);
        }

        /// <summary>Decodes one µ-law byte to a 16-bit sample.</summary>
        public static short FromMuLaw(byte code)
        {
            int u = ~code & 0xFF;
            int t = ((u & 0x0F) << 3) + 0x84;
            t <<= (u & 0x70) >> 4;
            return (short)((u & 0x80) != 0 ? 0x84 - t : t - 0x84);
        }

        private static int Segment(int value, int[] ends)
        {
            for (int i = 0; i < ends.Length; i++)
            {
                if (value <= ends[i])
                {
                    return i;
                }
            }

            return ends.Length;
        }
    }
}
