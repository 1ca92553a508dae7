namespace Ata.Core.Media
{
    /// <summary>
    /// Measures a line's echo path delay (the board's playback and capture buffering plus the hybrid's own delay)
    /// for the echo canceller's <see cref="EchoCanceller.BulkDelaySamples"/>: on an off-hook, quiet line it plays
    /// 300 ms of silence (the line's earlier audio drains; its noise is measured over the last 100 ms), then a
    /// 100 ms burst of band-limited noise at −20 dBm0 (faded in and out over 5 ms: a short, soft hiss, not a tone
    /// any detector takes for a key, an answer tone or a dial tone), and records the microphone for the burst plus
    /// 110 ms. The echo's delay is where the recording correlates with the burst; the correlation is worked out a
    /// few lags per <see cref="Tick"/> (it is ~700,000 multiply-adds, too many for one step of the board's loop).
    /// Pure: the host plays what <see cref="Fill"/> gives and hands over what <see cref="Hear"/> takes, both
    /// counted in samples from <see cref="Start"/>; nothing is allocated after construction.
    /// </summary>
    public sealed class EchoPathProbe
    {
        /// <summary>Not measuring; nothing measured yet.</summary>
        public const string Idle = "idle";

        /// <summary>Playing silence, measuring the line's noise.</summary>
        public const string Quiet = "quiet";

        /// <summary>Playing the burst and recording its echo.</summary>
        public const string Probing = "probing";

        /// <summary>Working out the correlation.</summary>
        public const string Analysing = "analysing";

        /// <summary>Measured: see <see cref="EchoDelaySamples"/> and <see cref="BulkDelaySamples"/>.</summary>
        public const string Measured = "measured";

        /// <summary>No delay found: see <see cref="Failure"/>.</summary>
        public const string Failed = "failed";

        /// <summary>Samples per second.</summary>
        public const int SampleRate = 8000;

        /// <summary>Silence played before the burst (300 ms).</summary>
        public const int QuietSamples = 2400;

        /// <summary>The last part of the silence over which the line's noise is measured (100 ms).</summary>
        public const int NoiseSamples = 800;

        /// <summary>The burst (100 ms).</summary>
        public const int ProbeSamples = 800;

        /// <summary>The fade in and out of the burst (5 ms).</summary>
        public const int FadeSamples = 40;

        /// <summary>The longest delay searched (110 ms: the canceller's longest bulk delay and a bit).</summary>
        public const int MaxDelaySamples = EchoCanceller.MaxBulkDelaySamples + 80;

        /// <summary>Samples recorded after the silence: the burst and its latest echo.</summary>
        public const int RecordSamples = ProbeSamples + MaxDelaySamples;

        /// <summary>Samples from <see cref="Start"/> to the end of the recording.</summary>
        public const int TotalSamples = QuietSamples + RecordSamples;

        /// <summary>The bulk delay is set this far before the echo's start (1 ms), never after it.</summary>
        public const int MarginSamples = 8;

        /// <summary>
        /// What a call's framing adds: its canceller pairs each microphone frame with the last earpiece frame played
        /// (<see cref="MediaSession"/>: <c>Cancel</c> as the microphone's 20 ms frame completes, <c>Played</c> as the
        /// earpiece's frame is due), and that frame lags the sample clock the probe counts in by one capture to one
        /// frame (10–20 ms on the board, by the call's phase). So in a call the echo shows up to one frame earlier
        /// than the probe measures it; the bulk delay allows for all of it, so the canceller's window never starts after the echo.
        /// </summary>
        public const int FramingSamples = MediaSession.FrameSamples;

        /// <summary>
        /// The burst's level: ±<c>Amplitude</c> pseudo-random steps, differenced two samples apart (zero at DC and
        /// 4 kHz, most energy near 2 kHz), so RMS = Amplitude·√2 = 1604, −20 dBm0 (0 dBm0 = a sine of RMS 16,037).
        /// </summary>
        public const int Amplitude = 1134;

        /// <summary>A line whose noise RMS is above this (−40 dBm0) is not quiet: someone talks, or a tone sounds.</summary>
        public const int QuietLimitRms = 160;

        /// <summary>
        /// The correlation's peak must stand this many times above its mean magnitude away from the echo (more than
        /// <see cref="StartSearch"/> lags from the peak) to be an echo: noise alone peaks at about 4 times its mean.
        /// </summary>
        public const int PeakOverMean = 8;

        /// <summary>
        /// The echo starts at the earliest lag before the peak above 1/StartFraction of it (−12 dB): well above the
        /// burst's own correlation noise (its 800 random steps correlate with themselves shifted at about −29 dB).
        /// </summary>
        public const int StartFraction = 4;

        /// <summary>A gap of this many lags below that threshold ends the search for the echo's start.</summary>
        public const int StartGap = 16;

        /// <summary>How far before the peak the echo's start is looked for (16 ms: the canceller's tail).</summary>
        public const int StartSearch = EchoCanceller.DefaultTaps;

        /// <summary>How long after the recording should have ended the probe waits for the microphone's audio.</summary>
        public const long AudioTimeoutMs = 2000;

        private const int CorrelationShift = 8;

        private readonly short[] _probe = new short[ProbeSamples];
        private readonly short[] _recording = new short[RecordSamples];
        private readonly int[] _correlation = new int[MaxDelaySamples + 1];
        private string _state = Idle;
        private int _line;
        private int _played;
        private int _heard;
        private long _noiseEnergy;
        private int _nextLag;
        private long _startedAt;
        private int _echoDelay = -1;
        private int _bulkDelay = -1;
        private int _finished;
        private string _failure;

        /// <summary>Creates the probe and its burst (the same burst every time).</summary>
        public EchoPathProbe()
        {
            int lfsr = 0xACE1;
            int previous = 0;
            int beforePrevious = 0;
            for (int n = 0; n < ProbeSamples; n++)
            {
                int bit = lfsr & 1;
                lfsr >>= 1;
                if (bit != 0)
                {
                    lfsr ^= 0xB400;
                }

                int step = bit != 0 ? Amplitude : -Amplitude;
                int value = step - beforePrevious;
                beforePrevious = previous;
                previous = step;
                int fade = n < FadeSamples ? n : (ProbeSamples - 1 - n < FadeSamples ? ProbeSamples - 1 - n : FadeSamples);
                _probe[n] = (short)(value * fade / FadeSamples);
            }

            LagsPerTick = 4;
        }

        /// <summary>Correlation lags worked out per <see cref="Tick"/> (default 4: about 3,200 multiply-adds).</summary>
        public int LagsPerTick { get; set; }

        /// <summary>The state (<see cref="Idle"/>, <see cref="Quiet"/>, <see cref="Probing"/>, <see cref="Analysing"/>, <see cref="Measured"/>, <see cref="Failed"/>).</summary>
        public string State
        {
            get { return _state; }
        }

        /// <summary>The line measured last (or being measured), 1-based; 0 before the first.</summary>
        public int Line
        {
            get { return _line; }
        }

        /// <summary>True while a measurement runs (quiet, probing or analysing).</summary>
        public bool IsRunning
        {
            get { return _state == Quiet || _state == Probing || _state == Analysing; }
        }

        /// <summary>True while the probe owns the line's earpiece and microphone (quiet or probing).</summary>
        public bool IsListening
        {
            get { return _state == Quiet || _state == Probing; }
        }

        /// <summary>How many measurements have finished (measured or failed) since the probe was made.</summary>
        public int Finished
        {
            get { return _finished; }
        }

        /// <summary>The echo's start after the sample played, in samples (-1 unless <see cref="Measured"/>).</summary>
        public int EchoDelaySamples
        {
            get { return _echoDelay; }
        }

        /// <summary>
        /// The bulk delay for a call's canceller: the echo's start less <see cref="MarginSamples"/> and
        /// <see cref="FramingSamples"/>, 0 to <see cref="EchoCanceller.MaxBulkDelaySamples"/> (-1 unless <see cref="Measured"/>).
        /// </summary>
        public int BulkDelaySamples
        {
            get { return _bulkDelay; }
        }

        /// <summary>Why the last measurement failed, or null.</summary>
        public string Failure
        {
            get { return _failure; }
        }

        /// <summary>The line's noise RMS measured before the burst.</summary>
        public int NoiseRms
        {
            get { return SquareRoot(_noiseEnergy / NoiseSamples); }
        }

        /// <summary>Starts measuring line <paramref name="line"/> at <paramref name="now"/>: what is played and heard from now on is counted from here.</summary>
        public void Start(int line, long now)
        {
            _line = line;
            _state = Quiet;
            _played = 0;
            _heard = 0;
            _noiseEnergy = 0;
            _nextLag = 0;
            _startedAt = now;
            _echoDelay = -1;
            _bulkDelay = -1;
            _failure = null;
        }

        /// <summary>Ends a running measurement as failed with <paramref name="reason"/> (the line went on hook, a call came…).</summary>
        public void Abort(string reason)
        {
            if (IsRunning)
            {
                Fail(reason);
            }
        }

        /// <summary>The next <paramref name="count"/> samples for the earpiece: silence, the burst, silence.</summary>
        public void Fill(short[] target, int offset, int count)
        {
            for (int i = 0; i < count; i++)
            {
                int k = _played + i - QuietSamples;
                target[offset + i] = IsListening && k >= 0 && k < ProbeSamples ? _probe[k] : (short)0;
            }

            _played += count;
        }

        /// <summary>The next <paramref name="count"/> samples from the microphone: noise measured, then the burst's echo recorded.</summary>
        public void Hear(short[] samples, int offset, int count)
        {
            if (!IsListening)
            {
                return;
            }

            for (int i = 0; i < count; i++)
            {
                int m = _heard + i;
                int sample = samples[offset + i];
                if (m >= QuietSamples - NoiseSamples && m < QuietSamples)
                {
                    _noiseEnergy += sample * sample;
                }
                else if (m >= QuietSamples && m < TotalSamples)
                {
                    _recording[m - QuietSamples] = (short)sample;
                }
            }

            _heard += count;
            if (_state == Quiet && _heard >= QuietSamples)
            {
                if (NoiseRms > QuietLimitRms)
                {
                    Fail("line " + _line.ToString() + " is not quiet (someone talks, or a tone sounds): keep the handset still and silent, then measure again");
                    return;
                }

                _state = Probing;
            }

            if (_state == Probing && _heard >= TotalSamples)
            {
                _state = Analysing;
            }
        }

        /// <summary>
        /// Works out the next <see cref="LagsPerTick"/> lags of the correlation while analysing, and decides at
        /// the end; fails a measurement whose microphone audio stopped coming. True when the measurement finished
        /// in this call.
        /// </summary>
        public bool Tick(long now)
        {
            if (IsListening)
            {
                if (now - _startedAt > (TotalSamples * 1000L / SampleRate) + AudioTimeoutMs)
                {
                    Fail("no audio came from line " + _line.ToString() + "'s microphone");
                    return true;
                }

                return false;
            }

            if (_state != Analysing)
            {
                return false;
            }

            for (int n = 0; n < LagsPerTick && _nextLag <= MaxDelaySamples; n++)
            {
                _correlation[_nextLag] = Correlate(_nextLag);
                _nextLag++;
            }

            if (_nextLag <= MaxDelaySamples)
            {
                return false;
            }

            Decide();
            return true;
        }

        private int Correlate(int lag)
        {
            long sum = 0;
            for (int n = 0; n < ProbeSamples; n++)
            {
                sum += _probe[n] * _recording[n + lag];
            }

            return (int)(sum >> CorrelationShift);
        }

        private void Decide()
        {
            int peakLag = 0;
            int peak = 0;
            for (int lag = 0; lag <= MaxDelaySamples; lag++)
            {
                int magnitude = Magnitude(lag);
                if (magnitude > peak)
                {
                    peak = magnitude;
                    peakLag = lag;
                }
            }

            long total = 0;
            int counted = 0;
            for (int lag = 0; lag <= MaxDelaySamples; lag++)
            {
                if (lag < peakLag - StartSearch || lag > peakLag + StartSearch)
                {
                    total += Magnitude(lag);
                    counted++;
                }
            }

            long mean = counted == 0 ? 0 : total / counted;
            if (peak == 0 || peak < PeakOverMean * mean)
            {
                Fail("no echo found on line " + _line.ToString() + ": is a phone connected and off hook?");
                return;
            }

            long threshold = peak / StartFraction;
            if (threshold < 4 * mean)
            {
                threshold = 4 * mean;
            }

            int start = peakLag;
            int below = 0;
            for (int lag = peakLag - 1; lag >= 0 && peakLag - lag <= StartSearch && below < StartGap; lag--)
            {
                if (Magnitude(lag) >= threshold)
                {
                    start = lag;
                    below = 0;
                }
                else
                {
                    below++;
                }
            }

            int bulk = start - MarginSamples - FramingSamples;
            _echoDelay = start;
            _bulkDelay = bulk < 0 ? 0 : (bulk > EchoCanceller.MaxBulkDelaySamples ? EchoCanceller.MaxBulkDelaySamples : bulk);
            _state = Measured;
            _finished++;
        }

        private int Magnitude(int lag)
        {
            int c = _correlation[lag];
            return c < 0 ? -c : c;
        }

        private void Fail(string reason)
        {
            _failure = reason;
            _echoDelay = -1;
            _bulkDelay = -1;
            _state = Failed;
            _finished++;
        }

        private static int SquareRoot(long value)
        {
            if (value <= 0)
            {
                return 0;
            }

            long root = value;
            long next = (root + 1) / 2;
            while (next < root)
            {
                root = next;
                next = (root + (value / root)) / 2;
            }

            return (int)root;
        }
    }
}
