using System.Collections;

namespace Ata.Core.Faults
{
    /// <summary>Hears every change on a <see cref="FaultBoard"/>.</summary>
    public interface IFaultListener
    {
        /// <summary>A fault was raised or cleared (<paramref name="report"/> says which).</summary>
        void FaultChanged(FaultReport report, long now);
    }

    /// <summary>
    /// The one road faults travel: every cause raises or clears a code here; the board keeps what is
    /// active, numbers every change (per boot, from 1) and tells its listener, and the LEDs, the
    /// gateway link and the console all read it.
    /// </summary>
    public sealed class FaultBoard
    {
        private readonly ArrayList _active = new ArrayList();
        private IFaultListener _listener;
        private long _sequence;

        /// <summary>Who hears each change (the adapter); null for nobody.</summary>
        public IFaultListener Listener
        {
            set { _listener = value; }
        }

        /// <summary>The number of the latest change, 0 before any.</summary>
        public long Sequence
        {
            get { return _sequence; }
        }

        /// <summary>The active faults' latest reports, oldest first.</summary>
        public FaultReport[] Active()
        {
            FaultReport[] reports = new FaultReport[_active.Count];
            _active.CopyTo(reports, 0);
            return reports;
        }

        /// <summary>Whether <paramref name="code"/> is active on <paramref name="line"/> (0: the whole adapter).</summary>
        public bool IsActive(string code, int line)
        {
            return IndexOf(code, line) >= 0;
        }

        /// <summary>
        /// Of the codes in <paramref name="codes"/>, the first that is active on <paramref name="line"/>
        /// (or, when <paramref name="orAdapterWide"/>, on the whole adapter); null when none is.
        /// </summary>
        public FaultReport FirstActive(string[] codes, int line, bool orAdapterWide)
        {
            for (int c = 0; c < codes.Length; c++)
            {
                int at = IndexOf(codes[c], line);
                if (at < 0 && orAdapterWide)
                {
                    at = IndexOf(codes[c], 0);
                }

                if (at >= 0)
                {
                    return (FaultReport)_active[at];
                }
            }

            return null;
        }

        /// <summary>Raises a fault; a repeat with the same SIP code is not a change. Returns true on a change.</summary>
        public bool Raise(string code, int line, int sipCode, string detail, long now)
        {
            int at = IndexOf(code, line);
            if (at >= 0 && ((FaultReport)_active[at]).SipCode == sipCode)
            {
                return false;
            }

            _sequence++;
            FaultReport report = new FaultReport(_sequence, code, true, line, sipCode, detail, now);
            if (at >= 0)
            {
                _active[at] = report;
            }
            else
            {
                _active.Add(report);
            }

            Tell(report, now);
            return true;
        }

        /// <summary>Clears a fault; clearing one that is not active is not a change. Returns true on a change.</summary>
        public bool Clear(string code, int line, long now)
        {
            int at = IndexOf(code, line);
            if (at < 0)
            {
                return false;
            }

            FaultReport current = (FaultReport)_active[at];
            _active.RemoveAt(at);
            _sequence++;
            Tell(new FaultReport(_sequence, code, false, line, current.SipCode, null, now), now);
            return true;
        }

        /// <summary>Raises <paramref name="code"/> when <paramref name="active"/>, clears it otherwise.</summary>
        public bool Set(bool active, string code, int line, int sipCode, string detail, long now)
        {
            return active ? Raise(code, line, sipCode, detail, now) : Clear(code, line, now);
        }

        private void Tell(FaultReport report, long now)
        {
            if (_listener != null)
            {
                _listener.FaultChanged(report, now);
            }
        }

        private int IndexOf(string code, int line)
        {
            for (int i = 0; i < _active.Count; i++)
            {
                FaultReport report = (FaultReport)_active[i];
                if (report.Line == line && report.Code == code)
                {
                    return i;
                }
            }

            return -1;
        }
    }
}
