namespace Ata.Core.Media
{
    /// <summary>
    /// What a receiver knows about one RTP source, after RFC 3550 appendix A: the sequence number
    /// validation of A.1 (probation, wrap, large jumps), the loss figures of A.3 (expected, lost,
    /// fraction lost since the last report) and the interarrival jitter of A.8, for the report blocks this
    /// side sends and for the call's quality.
    /// </summary>
    public sealed class ReceptionStatistics
    {
        /// <summary>Sequential packets needed before a new source counts (A.1's MIN_SEQUENTIAL).</summary>
        public const int MinSequential = 2;

        /// <summary>The largest forward jump still taken as loss (A.1's MAX_DROPOUT).</summary>
        public const int MaxDropout = 3000;

        /// <summary>The largest backward step still taken as reordering (A.1's MAX_MISORDER).</summary>
        public const int MaxMisorder = 100;

        private const int SequenceModulo = 65536;

        private int _maxSequence;
        private long _cycles;
        private long _baseSequence;
        private long _badSequence;
        private int _probation;
        private long _received;
        private long _expectedPrior;
        private long _receivedPrior;
        private long _transit;
        private bool _haveTransit;
        private long _jitter;
        private bool _started;

        /// <summary>The source's SSRC.</summary>
        public uint Ssrc { get; private set; }

        /// <summary>Packets counted (after probation).</summary>
        public long Received
        {
            get { return _received; }
        }

        /// <summary>The extended highest sequence number received (cycles of 65536 above the 16-bit number).</summary>
        public long ExtendedHighestSequence
        {
            get { return _cycles + _maxSequence; }
        }

        /// <summary>Packets expected from the first counted one to the highest received.</summary>
        public long Expected
        {
            get { return _started && _probation == 0 ? ExtendedHighestSequence - _baseSequence + 1 : 0; }
        }

        /// <summary>Packets lost in all (expected minus received; negative with duplicates, as RFC 3550 allows).</summary>
        public long CumulativeLost
        {
            get { return Expected - _received; }
        }

        /// <summary>The interarrival jitter in timestamp units (8 kHz samples for G.711).</summary>
        public int Jitter
        {
            get { return (int)(_jitter >> 4); }
        }

        /// <summary>Starts over for a new source (a new SSRC, or a new call).</summary>
        public void Reset(uint ssrc)
        {
            Ssrc = ssrc;
            _started = false;
            _maxSequence = 0;
            _cycles = 0;
            _baseSequence = 0;
            _badSequence = 0;
            _probation = 0;
            _received = 0;
            _expectedPrior = 0;
            _receivedPrior = 0;
            _haveTransit = false;
            _transit = 0;
            _jitter = 0;
        }

        /// <summary>
        /// Takes one packet's sequence number, RTP timestamp and arrival time (in the same 8 kHz units,
        /// e.g. milliseconds · 8). False when the packet does not count: the source is still on probation,
        /// or the sequence number jumped and this is not yet confirmed as a restart.
        /// </summary>
        public bool Update(int sequence, uint timestamp, long arrival)
        {
            if (!_started)
            {
                _started = true;
                Init(sequence);
                _maxSequence = (sequence + SequenceModulo - 1) % SequenceModulo;
                _probation = MinSequential;
            }

            if (!UpdateSequence(sequence))
            {
                return false;
            }

            // A.8: transit time difference, smoothed with gain 1/16 (kept scaled by 16).
            long transit = arrival - timestamp;
            if (_haveTransit)
            {
                long d = transit - _transit;
                if (d < 0)
                {
                    d = -d;
                }

                _jitter += d - ((_jitter + 8) >> 4);
            }

            _transit = transit;
            _haveTransit = true;
            return true;
        }

        /// <summary>
        /// The fraction of packets lost since the previous call (0–255, in 1/256ths), as a report block
        /// carries it; each call starts a new interval (A.3).
        /// </summary>
        public int TakeFractionLost()
        {
            long expected = Expected;
            long expectedInterval = expected - _expectedPrior;
            _expectedPrior = expected;
            long receivedInterval = _received - _receivedPrior;
            _receivedPrior = _received;
            long lostInterval = expectedInterval - receivedInterval;
            if (expectedInterval == 0 || lostInterval <= 0)
            {
                return 0;
            }

            return (int)((lostInterval << 8) / expectedInterval);
        }

        private void Init(int sequence)
        {
            _baseSequence = sequence;
            _maxSequence = sequence;
            _badSequence = SequenceModulo + 1;
            _cycles = 0;
            _received = 0;
            _receivedPrior = 0;
            _expectedPrior = 0;
        }

        private bool UpdateSequence(int sequence)
        {
            int delta = (sequence - _maxSequence + SequenceModulo) % SequenceModulo;
            if (_probation > 0)
            {
                if (sequence == (_maxSequence + 1) % SequenceModulo)
                {
                    _probation--;
                    _maxSequence = sequence;
                    if (_probation == 0)
                    {
                        Init(sequence);
                        _received++;
                        return true;
                    }
                }
                else
                {
                    _probation = MinSequential - 1;
                    _maxSequence = sequence;
                }

                return false;
            }

            if (delta < MaxDropout)
            {
                if (sequence < _maxSequence)
                {
                    _cycles += SequenceModulo;
                }

                _maxSequence = sequence;
            }
            else if (delta <= SequenceModulo - MaxMisorder)
            {
                if (sequence == _badSequence)
                {
                    // Two sequential packets after a big jump: the source restarted without telling.
                    Init(sequence);
                }
                else
                {
                    _badSequence = (sequence + 1) % SequenceModulo;
                    return false;
                }
            }

            _received++;
            return true;
        }
    }
}
