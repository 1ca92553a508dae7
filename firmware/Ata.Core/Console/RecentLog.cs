namespace Ata.Core.Console
{
    /// <summary>
    /// The last few log lines, kept in a fixed ring so the technician console can show them; the
    /// oldest line is dropped when the ring is full. Callers never put secrets in it.
    /// </summary>
    public sealed class RecentLog
    {
        /// <summary>Lines kept by default.</summary>
        public const int DefaultCapacity = 64;

        /// <summary>Longest line kept; longer ones are cut.</summary>
        public const int MaxLineLength = 160;

        private readonly string[] _lines;
        private readonly long[] _times;
        private int _next;
        private int _count;
        private long _dropped;

        /// <summary>Creates a ring of <paramref name="capacity"/> lines (at least 1).</summary>
        public RecentLog(int capacity)
        {
            if (capacity < 1)
            {
                capacity = 1;
            }

            _lines = Arrays.Strings(capacity);
            _times = new long[capacity];
        }

        /// <summary>Lines the ring holds at most.</summary>
        public int Capacity
        {
            get { return _lines.Length; }
        }

        /// <summary>Lines held now.</summary>
        public int Count
        {
            get { return _count; }
        }

        /// <summary>Lines dropped because the ring was full.</summary>
        public long Dropped
        {
            get { return _dropped; }
        }

        /// <summary>Adds a line logged at <paramref name="now"/> (milliseconds since boot).</summary>
        public void Add(long now, string text)
        {
            if (text == null)
            {
                text = string.Empty;
            }

            if (text.Length > MaxLineLength)
            {
                text = text.Substring(0, MaxLineLength - 3) + "...";
            }

            if (_count == _lines.Length)
            {
                _dropped++;
            }
            else
            {
                _count++;
            }

            _lines[_next] = text;
            _times[_next] = now;
            _next = (_next + 1) % _lines.Length;
        }

        /// <summary>The text of the <paramref name="index"/>-th line held, oldest first.</summary>
        public string Text(int index)
        {
            return _lines[Slot(index)];
        }

        /// <summary>When the <paramref name="index"/>-th line held was logged, oldest first.</summary>
        public long Time(int index)
        {
            return _times[Slot(index)];
        }

        /// <summary>Forgets every line.</summary>
        public void Clear()
        {
            _count = 0;
            _next = 0;
            _dropped = 0;
        }

        private int Slot(int index)
        {
            return (_next - _count + index + _lines.Length) % _lines.Length;
        }
    }
}
