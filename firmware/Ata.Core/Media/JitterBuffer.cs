namespace Ata.Core.Media
{
    /// <summary>
    /// The adaptive jitter buffer of one call's incoming G.711 audio. Packets are placed by RTP timestamp
    /// on a ring of 10 ms blocks as they arrive (so reordering, duplicates and sequence wrap need nothing
    /// special); the caller's audio clock takes a 20 ms frame at a time. The play-out point trails the
    /// arrivals by a target delay: the spread of recent packets' transit times plus 20 ms, within
    /// [<see cref="MinDelayMs"/>, <see cref="MaxDelayMs"/>]. It moves towards a new target 10 ms at a
    /// time: a block of concealment inserted to wait longer, a block dropped (cross-faded) to catch up.
    /// Missing blocks are concealed (<see cref="LossConcealment"/>) in a conversation (<see cref="Mode"/>); packets behind the play-out point
    /// are late and counted; a timestamp jump (a new talkspurt far away, a restarted source) re-anchors.
    /// Nothing is allocated after construction.
    /// </summary>
    public sealed class JitterBuffer
    {
        /// <summary>Samples in one block, the buffer's unit (10 ms at 8 kHz).</summary>
        public const int BlockSamples = 80;

        /// <summary>Samples in one frame taken by <see cref="Play"/> (20 ms).</summary>
        public const int FrameSamples = 160;

        /// <summary>Blocks on the ring (640 ms): more than the largest delay plus the largest packet.</summary>
        public const int Blocks = 64;

        /// <summary>The smallest target delay, in milliseconds.</summary>
        public const int MinDelayMs = 20;

        /// <summary>The largest target delay, in milliseconds.</summary>
        public const int MaxDelayMs = 200;

        /// <summary>Packets whose transits make up the jitter estimate (about 2.5 s of 20 ms packets).</summary>
        public const int TransitWindow = 128;

        /// <summary>A transit change beyond this many samples (1 s) is a timestamp jump, not jitter.</summary>
        public const int JumpSamples = 8000;

        private const int SamplesPerMs = 8;
        private const int MarginSamples = 20 * SamplesPerMs;

        // The play-out point may run this far ahead of (late for) the target before a block is
        // inserted (dropped): a band wider than one block, so a move never calls for the opposite one.
        private const int InsertAbove = BlockSamples / 2;
        private const int DropBelow = -3 * BlockSamples / 2;

        private readonly IMediaKernels _kernels;
        private readonly bool _aLaw;
        private readonly LossConcealment _concealment;
        private readonly byte[] _coded = new byte[Blocks * BlockSamples];
        private readonly bool[] _present = new bool[Blocks];
        private readonly uint[] _slotTimestamps = new uint[Blocks];
        private readonly short[] _dropped = new short[BlockSamples];
        private readonly int[] _transits = new int[TransitWindow];
        private int _transitCount;
        private int _transitNext;
        private int _lastTransit;

        private bool _haveReference;
        private uint _reference;
        private bool _anchored;
        private uint _playTimestamp;
        private int _offset;
        private int _targetSamples = MinDelayMs * SamplesPerMs;
        private bool _heard;

        /// <summary>A buffer for G.711 A-law (<paramref name="aLaw"/>) or µ-law, playing out through <paramref name="kernels"/>.</summary>
        public JitterBuffer(IMediaKernels kernels, bool aLaw)
        {
            _kernels = kernels;
            _aLaw = aLaw;
            _concealment = new LossConcealment(kernels);
        }

        /// <summary>
        /// How the buffer plays out (<see cref="JitterBufferMode"/>): a conversation (adaptive delay, loss concealed) by
        /// default; one way (hold: gaps are silence); or pass-through (fax, modems: fixed delay, gaps are silence).
        /// </summary>
        public JitterBufferMode Mode { get; set; }

        /// <summary>Packets taken in (placed, duplicate or late; not malformed).</summary>
        public long Received { get; private set; }

        /// <summary>Packets that arrived after their time to play had passed, and were dropped.</summary>
        public long Late { get; private set; }

        /// <summary>Packets whose audio was already in the buffer.</summary>
        public long Duplicates { get; private set; }

        /// <summary>Packets refused as unusable: not whole 10 ms blocks of G.711, or longer than 320 ms.</summary>
        public long Malformed { get; private set; }

        /// <summary>Milliseconds of audio synthesised by concealment because it was missing (at most 60 ms per gap; silence after that is not counted).</summary>
        public long ConcealedMs { get; private set; }

        /// <summary>Times the buffer re-anchored on a timestamp jump.</summary>
        public long Resyncs { get; private set; }

        /// <summary>Blocks dropped to shorten the delay.</summary>
        public long BlocksDropped { get; private set; }

        /// <summary>Blocks of concealment inserted to lengthen the delay.</summary>
        public long BlocksInserted { get; private set; }

        /// <summary>The delay the buffer aims for now, in milliseconds: what the earliest packets wait.</summary>
        public int TargetDelayMs
        {
            get { return _targetSamples / SamplesPerMs; }
        }

        /// <summary>How long the last packet placed will wait before it plays, in milliseconds.</summary>
        public int LastDelayMs { get; private set; }

        /// <summary>The packets' wait before playing, smoothed (1/16 per packet), in milliseconds.</summary>
        public int DelayMs { get; private set; }

        /// <summary>Forgets all audio and timing (a new source).</summary>
        public void Reset()
        {
            Forget();
            _targetSamples = MinDelayMs * SamplesPerMs;
            _concealment.Reset();
            _heard = false;
        }

        /// <summary>
        /// Places one packet's G.711 payload (<paramref name="length"/> bytes from <paramref name="offset"/>)
        /// by its <paramref name="timestamp"/>; <paramref name="now"/> is its arrival in milliseconds.
        /// </summary>
        public void Put(byte[] payload, int offset, int length, uint timestamp, long now)
        {
            if (length <= 0 || length % BlockSamples != 0 || length > (Blocks / 2) * BlockSamples)
            {
                Malformed++;
                return;
            }

            Received++;
            uint clock = (uint)(now * SamplesPerMs);
            int transit = (int)(clock - timestamp);
            if (_haveReference && (((int)(timestamp - _reference)) % BlockSamples != 0 || Distance(transit, _lastTransit) > JumpSamples
                || (_anchored && (int)(timestamp - _playTimestamp) + length > Blocks * BlockSamples)))
            {
                Resyncs++;
                Forget();
            }

            if (!_haveReference)
            {
                _reference = timestamp;
                _haveReference = true;
            }

            _lastTransit = transit;
            _transits[_transitNext] = transit;
            _transitNext = (_transitNext + 1) % TransitWindow;
            if (_transitCount < TransitWindow)
            {
                _transitCount++;
            }

            UpdateTarget();
            if (_anchored)
            {
                if ((int)(timestamp - _playTimestamp) < 0)
                {
                    Late++;
                    return;
                }

                LastDelayMs = (int)(timestamp - (uint)_offset - clock) / SamplesPerMs;
                DelayMs += (LastDelayMs - DelayMs) / 16;
            }

            Store(payload, offset, length, timestamp);
        }

        /// <summary>
        /// Plays the next <see cref="FrameSamples"/> samples into <paramref name="target"/> at
        /// <paramref name="now"/> (milliseconds, the caller's audio clock, advancing 20 ms a call): buffered
        /// audio, concealment for what is missing, or silence before anything has arrived.
        /// </summary>
        public void Play(short[] target, int offset, long now)
        {
            uint clock = (uint)(now * SamplesPerMs);
            if (!_haveReference)
            {
                System.Array.Clear(target, offset, FrameSamples);
                return;
            }

            if (!_anchored)
            {
                Anchor(clock);
            }

            // How far the play-out point runs ahead of where the target puts it (negative: behind).
            int drift = (int)(_playTimestamp - clock) + MinTransit() + _targetSamples;
            for (int at = offset; at < offset + FrameSamples; at += BlockSamples)
            {
                if (drift > InsertAbove && Mode != JitterBufferMode.PassThrough)
                {
                    ConcealOrSilence(target, at);
                    BlocksInserted++;
                    drift -= BlockSamples;
                    continue;
                }

                if (drift < DropBelow && Mode != JitterBufferMode.PassThrough && Has(_playTimestamp) && Has(_playTimestamp + BlockSamples))
                {
                    Decode(_playTimestamp, _dropped, 0);
                    _playTimestamp += BlockSamples;
                    Decode(_playTimestamp, target, at);
                    _kernels.CrossFade(_dropped, 0, target, at, LossConcealment.FadeSamples);
                    _concealment.Good(target, at, BlockSamples);
                    BlocksDropped++;
                    drift += BlockSamples;
                }
                else if (Has(_playTimestamp))
                {
                    Decode(_playTimestamp, target, at);
                    _concealment.Good(target, at, BlockSamples);
                    _heard = true;
                }
                else if (ConcealOrSilence(target, at))
                {
                    ConcealedMs += BlockSamples / SamplesPerMs;
                }

                _playTimestamp += BlockSamples;
            }

            _offset = (int)(_playTimestamp - (clock + FrameSamples));
        }

        private void Anchor(uint clock)
        {
            // The target behind the earliest-arriving packet's transit, on the packets' 10 ms grid,
            // rounded towards more delay.
            _playTimestamp = clock - (uint)(MinTransit() + _targetSamples);
            int misalignment = ((int)(_playTimestamp - _reference)) % BlockSamples;
            if (misalignment < 0)
            {
                misalignment += BlockSamples;
            }

            _playTimestamp -= (uint)misalignment;
            _offset = (int)(_playTimestamp - clock);
            _anchored = true;
        }

        private bool ConcealOrSilence(short[] target, int at)
        {
            if (_heard && Mode == JitterBufferMode.Conversation)
            {
                return _concealment.Conceal(target, at);
            }

            System.Array.Clear(target, at, BlockSamples);
            return false;
        }

        private void UpdateTarget()
        {
            if (Mode == JitterBufferMode.PassThrough)
            {
                return;
            }

            int target = MaxTransit() - MinTransit() + MarginSamples;
            if (target < MinDelayMs * SamplesPerMs)
            {
                target = MinDelayMs * SamplesPerMs;
            }
            else if (target > MaxDelayMs * SamplesPerMs)
            {
                target = MaxDelayMs * SamplesPerMs;
            }

            _targetSamples = target;
        }

        private void Forget()
        {
            System.Array.Clear(_present, 0, Blocks);
            _anchored = false;
            _haveReference = false;
            _transitCount = 0;
            _transitNext = 0;
        }

        private void Store(byte[] payload, int offset, int length, uint timestamp)
        {
            bool duplicate = true;
            for (int done = 0; done < length; done += BlockSamples)
            {
                uint blockTimestamp = timestamp + (uint)done;
                int slot = SlotOf(blockTimestamp);
                if (!_present[slot] || _slotTimestamps[slot] != blockTimestamp)
                {
                    duplicate = false;
                    System.Array.Copy(payload, offset + done, _coded, slot * BlockSamples, BlockSamples);
                    _present[slot] = true;
                    _slotTimestamps[slot] = blockTimestamp;
                }
            }

            if (duplicate)
            {
                Duplicates++;
            }
        }

        private bool Has(uint timestamp)
        {
            int slot = SlotOf(timestamp);
            return _present[slot] && _slotTimestamps[slot] == timestamp;
        }

        private void Decode(uint timestamp, short[] target, int at)
        {
            int slot = SlotOf(timestamp);
            _present[slot] = false;
            if (_aLaw)
            {
                _kernels.DecodeALaw(_coded, slot * BlockSamples, target, at, BlockSamples);
            }
            else
            {
                _kernels.DecodeMuLaw(_coded, slot * BlockSamples, target, at, BlockSamples);
            }
        }

        private int SlotOf(uint timestamp)
        {
            int blocks = ((int)(timestamp - _reference)) / BlockSamples;
            return ((blocks % Blocks) + Blocks) % Blocks;
        }

        private int MinTransit()
        {
            int min = _transits[0];
            for (int i = 1; i < _transitCount; i++)
            {
                if (_transits[i] - min < 0)
                {
                    min = _transits[i];
                }
            }

            return min;
        }

        private int MaxTransit()
        {
            int max = _transits[0];
            for (int i = 1; i < _transitCount; i++)
            {
                if (_transits[i] - max > 0)
                {
                    max = _transits[i];
                }
            }

            return max;
        }

        private static int Distance(int a, int b)
        {
            int d = a - b;
            return d < 0 ? -d : d;
        }
    }
}
