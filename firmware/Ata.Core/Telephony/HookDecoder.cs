namespace Ata.Core.Telephony
{
    /// <summary>What the hook switch said, as decoded by <see cref="HookDecoder"/>.</summary>
    public enum HookEvent
    {
        /// <summary>Nothing new.</summary>
        None = 0,
        /// <summary>The handset was lifted.</summary>
        OffHook = 1,
        /// <summary>The handset was put down (on hook longer than the flash window).</summary>
        OnHook = 2,
        /// <summary>A hook flash (R key): a break within the flash window.</summary>
        Flash = 3,
        /// <summary>A rotary (pulse) digit; see <see cref="HookDecoder.Digit"/>.</summary>
        Digit = 4,
    }

    /// <summary>
    /// Turns the raw hook-switch level into off hook, on hook, hook flash and rotary digits. A level
    /// counts once it has held for <see cref="DebounceMs"/>, timed from its edge; an on-hook break of
    /// up to <see cref="PulseBreakMaxMs"/> is a dial pulse (10 pulses a second break for about 60 ms),
    /// up to the flash window's end a flash, longer a hang-up. Pulses end a digit after
    /// <see cref="InterDigitMs"/> off hook. Pure: the caller passes the time, and calls
    /// <see cref="Tick"/> so that timeouts are noticed; events are taken with <see cref="Next"/>.
    /// </summary>
    public sealed class HookDecoder
    {
        /// <summary>How long a level must hold to count.</summary>
        public const long DebounceMs = 10;

        /// <summary>The longest break counted as a dial pulse (also the shortest flash).</summary>
        public const long PulseBreakMaxMs = 90;

        /// <summary>Off hook this long after a pulse ends the digit.</summary>
        public const long InterDigitMs = 150;

        private const int QueueSize = 16;

        private readonly int[] _queue = new int[QueueSize];
        private readonly int[] _digits = new int[QueueSize];
        private int _head;
        private int _count;

        private bool _raw;
        private long _rawSince;
        private bool _stable;
        private long _stableSince;
        private bool _connected;
        private int _pulses;
        private int _digit;

        /// <summary>Creates a decoder with the handset on hook.</summary>
        public HookDecoder()
        {
            FlashMaxMs = Country.DefaultFlashMaxMs(Country.Default);
        }

        /// <summary>The longest break taken as a hook flash; longer is a hang-up.</summary>
        public long FlashMaxMs { get; set; }

        /// <summary>True while the decoder holds the line off hook (a break shorter than the flash window included).</summary>
        public bool IsOffHook
        {
            get { return _connected; }
        }

        /// <summary>The digit of the last <see cref="HookEvent.Digit"/> taken (0–9).</summary>
        public int Digit
        {
            get { return _digit; }
        }

        /// <summary>The hook switch reads off hook (<paramref name="offHook"/>) or on hook from <paramref name="now"/>.</summary>
        public void Sense(bool offHook, long now)
        {
            Tick(now);
            if (offHook != _raw)
            {
                _raw = offHook;
                _rawSince = now;
            }
        }

        /// <summary>Notices levels that have settled and breaks or pauses that have lasted.</summary>
        public void Tick(long now)
        {
            if (_raw != _stable && now - _rawSince >= DebounceMs)
            {
                Settle(_raw, _rawSince);
            }

            if (!_connected)
            {
                return;
            }

            // A level that changed but has not settled yet ended the settled one at its edge.
            if (!_stable)
            {
                long breakEnd = _raw ? _rawSince : now;
                if (breakEnd - _stableSince > FlashMaxMs)
                {
                    _connected = false;
                    _pulses = 0;
                    Queue(HookEvent.OnHook, 0);
                }
            }
            else if (_pulses > 0)
            {
                long makeEnd = _raw ? now : _rawSince;
                if (makeEnd - _stableSince >= InterDigitMs)
                {
                    EndDigit();
                }
            }
        }

        /// <summary>Takes the next decoded event (<see cref="HookEvent.None"/> when there is none).</summary>
        public HookEvent Next()
        {
            if (_count == 0)
            {
                return HookEvent.None;
            }

            HookEvent e = (HookEvent)_queue[_head];
            _digit = _digits[_head];
            _head = (_head + 1) % QueueSize;
            _count--;
            return e;
        }

        private void Settle(bool offHook, long at)
        {
            long held = at - _stableSince;
            _stable = offHook;
            _stableSince = at;
            if (offHook)
            {
                if (!_connected)
                {
                    _connected = true;
                    _pulses = 0;
                    Queue(HookEvent.OffHook, 0);
                }
                else if (held <= PulseBreakMaxMs)
                {
                    _pulses++;
                }
                else if (held <= FlashMaxMs)
                {
                    _pulses = 0;
                    Queue(HookEvent.Flash, 0);
                }
                else
                {
                    _pulses = 0;
                    Queue(HookEvent.OnHook, 0);
                    Queue(HookEvent.OffHook, 0);
                }
            }
        }

        private void EndDigit()
        {
            if (_pulses <= 10)
            {
                Queue(HookEvent.Digit, _pulses == 10 ? 0 : _pulses);
            }

            _pulses = 0;
        }

        private void Queue(HookEvent e, int digit)
        {
            if (_count == QueueSize)
            {
                return;
            }

            int at = (_head + _count) % QueueSize;
            _queue[at] = (int)e;
            _digits[at] = digit;
            _count++;
        }
    }
}
