using System.Collections;
using System.Text;

namespace Ata.Core.Tones
{
    /// <summary>
    /// A named signal: a cadence of segments (frequencies for a time, or silence), played once and
    /// then repeated from <see cref="LoopFrom"/>. Written as text in tone plans, e.g.
    /// <c>425:1000 0:4000</c> (ringback), <c>350+440</c> (steady),
    /// <c>425:100 0:100 425:100 0:100 | 425</c> (two stutters, then steady),
    /// <c>425:100 0:100 425:100 |</c> (twice, then silence). See <c>Tones/README.md</c>.
    /// </summary>
    public sealed class Tone
    {
        /// <summary>Most segments in one tone.</summary>
        public const int MaxSegments = 24;

        /// <summary>Most frequencies sounding together.</summary>
        public const int MaxFrequencies = 4;

        /// <summary>Longest segment, in milliseconds.</summary>
        public const int MaxSegmentMs = 60000;

        private Tone(string name, int[][] frequencies, int[] durations, int loopFrom, ToneLoop[] loops, string spec)
        {
            Name = name;
            Frequencies = frequencies;
            Durations = durations;
            LoopFrom = loopFrom;
            Loops = loops;
            Spec = spec;
        }

        /// <summary>The tone's name (see <see cref="ToneName"/>).</summary>
        public string Name { get; private set; }

        /// <summary>Each segment's frequencies in Hz; empty for silence.</summary>
        public int[][] Frequencies { get; private set; }

        /// <summary>Each segment's length in milliseconds; 0 for "until stopped" (last segment only).</summary>
        public int[] Durations { get; private set; }

        /// <summary>The segment the cadence repeats from after the last one, or -1 for silence after the last.</summary>
        public int LoopFrom { get; private set; }

        /// <summary>Each segment's loop buffer; null for silence.</summary>
        public ToneLoop[] Loops { get; private set; }

        /// <summary>The tone as plan text (normalised).</summary>
        public string Spec { get; private set; }

        /// <summary>Number of segments.</summary>
        public int SegmentCount
        {
            get { return Durations.Length; }
        }

        /// <summary>
        /// The segment sounding <paramref name="elapsedMs"/> after the tone started, or -1 when the
        /// tone has ended (a cadence that does not repeat). A pure function of time.
        /// </summary>
        public int SegmentAt(long elapsedMs)
        {
            if (elapsedMs < 0)
            {
                elapsedMs = 0;
            }

            long onceMs = 0;
            for (int i = 0; i < Durations.Length; i++)
            {
                if (Durations[i] == 0 || elapsedMs < onceMs + Durations[i])
                {
                    return i;
                }

                onceMs += Durations[i];
            }

            if (LoopFrom < 0)
            {
                return -1;
            }

            long loopMs = 0;
            for (int i = LoopFrom; i < Durations.Length; i++)
            {
                loopMs += Durations[i];
            }

            long t = (elapsedMs - onceMs) % loopMs;
            for (int i = LoopFrom; i < Durations.Length; i++)
            {
                if (t < Durations[i])
                {
                    return i;
                }

                t -= Durations[i];
            }

            return Durations.Length - 1;
        }

        /// <summary>True when something sounds (or the ringer rings) <paramref name="elapsedMs"/> after the start.</summary>
        public bool IsOnAt(long elapsedMs)
        {
            int segment = SegmentAt(elapsedMs);
            return segment >= 0 && Frequencies[segment].Length > 0;
        }

        /// <summary>
        /// Parses tone text. Returns null with <paramref name="error"/> saying what is wrong. Loop
        /// buffers are shared through <paramref name="loopCache"/> (frequency list to <see cref="ToneLoop"/>);
        /// pass null to build fresh ones; pass <paramref name="buildLoops"/> false for the ringer's cadence.
        /// </summary>
        public static Tone Parse(string name, string spec, Hashtable loopCache, bool buildLoops, out string error)
        {
            error = null;
            if (spec == null || spec.Trim().Length == 0)
            {
                error = "empty tone";
                return null;
            }

            string once = spec;
            string repeat = null;
            int bar = spec.IndexOf('|');
            if (bar >= 0)
            {
                once = spec.Substring(0, bar);
                repeat = spec.Substring(bar + 1);
                if (repeat.IndexOf('|') >= 0)
                {
                    error = "more than one '|'";
                    return null;
                }
            }

            ArrayList frequencies = new ArrayList();
            ArrayList durations = new ArrayList();
            if (!ParsePart(once, frequencies, durations, out error))
            {
                return null;
            }

            int loopFrom = bar >= 0 ? frequencies.Count : 0;
            if (bar >= 0 && !ParsePart(repeat, frequencies, durations, out error))
            {
                return null;
            }

            int count = frequencies.Count;
            if (count == 0)
            {
                error = "no segments";
                return null;
            }

            if (count > MaxSegments)
            {
                error = "more than " + MaxSegments.ToString() + " segments";
                return null;
            }

            if (loopFrom >= count)
            {
                loopFrom = -1;
            }

            int[][] freqs = new int[count][];
            int[] ms = new int[count];
            for (int i = 0; i < count; i++)
            {
                freqs[i] = (int[])frequencies[i];
                ms[i] = (int)durations[i];
                if (ms[i] == 0 && i != count - 1)
                {
                    error = "only the last segment may last until stopped (segment " + (i + 1).ToString() + " has no ':ms')";
                    return null;
                }
            }

            if (ms[count - 1] == 0 && loopFrom < 0)
            {
                error = "a segment that lasts until stopped cannot come before '|'";
                return null;
            }

            ToneLoop[] loops = new ToneLoop[count];
            Arrays.StoreNulls(loops);
            if (buildLoops)
            {
                for (int i = 0; i < count; i++)
                {
                    if (freqs[i].Length > 0)
                    {
                        loops[i] = LoopFor(freqs[i], loopCache);
                    }
                }
            }

            return new Tone(name, freqs, ms, loopFrom, loops, Format(freqs, ms, loopFrom));
        }

        private static bool ParsePart(string text, ArrayList frequencies, ArrayList durations, out string error)
        {
            error = null;
            string[] words = text.Split(new char[] { ' ', ',', '\t' });
            for (int w = 0; w < words.Length; w++)
            {
                string word = words[w];
                if (word.Length == 0)
                {
                    continue;
                }

                string freqText = word;
                int ms = 0;
                int colon = word.IndexOf(':');
                if (colon >= 0)
                {
                    freqText = word.Substring(0, colon);
                    ms = Number(word.Substring(colon + 1));
                    if (ms < 1 || ms > MaxSegmentMs)
                    {
                        error = "'" + word + "': the duration must be 1 to " + MaxSegmentMs.ToString() + " ms";
                        return false;
                    }
                }

                string[] parts = freqText.Split(new char[] { '+' });
                if (parts.Length > MaxFrequencies)
                {
                    error = "'" + word + "': at most " + MaxFrequencies.ToString() + " frequencies at once";
                    return false;
                }

                int[] hz = new int[parts.Length];
                for (int p = 0; p < parts.Length; p++)
                {
                    hz[p] = Number(parts[p]);
                    bool silence = hz[p] == 0 && parts.Length == 1;
                    if (!silence && (hz[p] < 1 || hz[p] >= ToneLoop.SampleRate / 2))
                    {
                        error = "'" + word + "': a frequency must be 1 to " + (ToneLoop.SampleRate / 2 - 1).ToString() + " Hz (0 alone for silence)";
                        return false;
                    }
                }

                frequencies.Add(hz.Length == 1 && hz[0] == 0 ? new int[0] : hz);
                durations.Add(ms);
            }

            return true;
        }

        private static ToneLoop LoopFor(int[] frequencies, Hashtable cache)
        {
            string key = FormatFrequencies(frequencies);
            ToneLoop loop = cache == null ? null : cache[key] as ToneLoop;
            if (loop == null)
            {
                loop = new ToneLoop(frequencies, ToneLoop.AmplitudeFor(frequencies.Length));
                if (cache != null)
                {
                    cache[key] = loop;
                }
            }

            return loop;
        }

        private static string Format(int[][] freqs, int[] ms, int loopFrom)
        {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < freqs.Length; i++)
            {
                if (i == loopFrom && loopFrom > 0)
                {
                    sb.Append("| ");
                }

                sb.Append(FormatFrequencies(freqs[i]));
                if (ms[i] > 0)
                {
                    sb.Append(':').Append(ms[i]);
                }

                if (i < freqs.Length - 1)
                {
                    sb.Append(' ');
                }
            }

            if (loopFrom < 0)
            {
                sb.Append(" |");
            }

            return sb.ToString();
        }

        private static string FormatFrequencies(int[] frequencies)
        {
            if (frequencies.Length == 0)
            {
                return "0";
            }

            string s = frequencies[0].ToString();
            for (int i = 1; i < frequencies.Length; i++)
            {
                s += "+" + frequencies[i].ToString();
            }

            return s;
        }

        private static int Number(string text)
        {
            // Up to six digits, nothing else (not even surrounding blanks).
            if (text.Length == 0 || text.Length > 6 || text.Trim().Length != text.Length)
            {
                return -1;
            }

            return Text.AsciiText.ParseNonNegative(text);
        }
    }
}
