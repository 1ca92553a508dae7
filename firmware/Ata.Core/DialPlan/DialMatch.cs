namespace Ata.Core.DialPlan
{
    /// <summary>How far digits dialled so far match a <see cref="DigitMap"/>.</summary>
    public enum DialMatch
    {
        /// <summary>No pattern can match, whatever follows: reorder.</summary>
        NoMatch = 0,
        /// <summary>Some pattern needs more digits: wait for the long inter-digit timer.</summary>
        Partial = 1,
        /// <summary>A pattern matches, but a longer one could too: wait for the short inter-digit timer.</summary>
        CompleteOrLonger = 2,
        /// <summary>A pattern matches and none could match more digits: call now.</summary>
        Complete = 3,
    }
}
