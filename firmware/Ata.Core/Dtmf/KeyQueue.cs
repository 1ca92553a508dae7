namespace Ata.Core.Dtmf
{
    /// <summary>Keys waiting to be taken, oldest first, in a fixed ring (keys beyond its size are dropped).</summary>
    public sealed class KeyQueue
    {
        private readonly char[] _keys;
        private int _head;
        private int _count;

        /// <summary>A queue for up to <paramref name="size"/> keys.</summary>
        public KeyQueue(int size)
        {
            _keys = new char[size];
        }

        /// <summary>Keys waiting.</summary>
        public int Count
        {
            get { return _count; }
        }

        /// <summary>Adds a key; false (and dropped) when the queue is full.</summary>
        public bool Add(char key)
        {
            if (_count == _keys.Length)
            {
                return false;
            }

            _keys[(_head + _count) % _keys.Length] = key;
            _count++;
            return true;
        }

        /// <summary>Takes the oldest key; false when none is waiting.</summary>
        public bool TryTake(out char key)
        {
            if (_count == 0)
            {
                key = '\0';
                return false;
            }

            key = _keys[_head];
            _head = (_head + 1) % _keys.Length;
            _count--;
            return true;
        }

        /// <summary>Forgets every key waiting.</summary>
        public void Clear()
        {
            _count = 0;
        }
    }
}
