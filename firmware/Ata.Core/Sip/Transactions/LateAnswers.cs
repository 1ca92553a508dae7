using System.Collections;
using Ata.Core.Sip.Messages;

namespace Ata.Core.Sip.Transactions
{
    /// <summary>
    /// Remembers the branches of the last few client transactions that timed out, so that an answer
    /// to one of them, arriving after all, is recognised: the peer was only paused or slow and is
    /// alive now (a resumed server answers the requests that waited in its socket at once).
    /// </summary>
    public sealed class LateAnswers
    {
        /// <summary>How many timed-out branches are remembered; the oldest goes first.</summary>
        public const int Capacity = 8;

        private readonly ArrayList _branches = new ArrayList();

        /// <summary>Remembers a transaction that timed out.</summary>
        public void TimedOut(NonInviteClientTransaction transaction)
        {
            if (_branches.Count == Capacity)
            {
                _branches.RemoveAt(0);
            }

            _branches.Add(transaction.Branch);
        }

        /// <summary>True when <paramref name="response"/> answers a remembered transaction.</summary>
        public bool IsLateAnswer(SipResponse response)
        {
            string branch = response.TopViaBranch;
            return branch != null && _branches.Contains(branch);
        }

        /// <summary>Forgets every remembered transaction.</summary>
        public void Clear()
        {
            _branches.Clear();
        }
    }
}
