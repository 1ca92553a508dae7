using System.Collections;

namespace Ata.Core.Faults
{
    /// <summary>
    /// The one road faults travel: components raise and clear codes here; the board keeps what is
    /// active, numbers every change, and returns the report to publish (null when nothing changed).
    /// </summary>
    public sealed class FaultBoard
    {
        private readonly Hashtable _active = new Hashtable();
        private long _sequence;

        /// <summary>Number of active faults.</summary>
        public int ActiveCount
        {
            get { return _active.Count; }
        }

        /// <summary>Whether <paramref name="code"/> is active on <paramref name="line"/>.</summary>
        public bool IsActive(string code, int line)
        {
            return _active.Contains(Key(code, line));
        }

        /// <summary>The active faults' latest reports.</summary>
        public FaultReport[] Active()
        {
            FaultReport[] reports = new FaultReport[_active.Count];
            _active.Values.CopyTo(reports, 0);
            return reports;
        }

        /// <summary>Raises a fault; a repeat with the same SIP code is not a change.</summary>
        public FaultReport Raise(string code, int line, int sipCode, string detail)
        {
            string key = Key(code, line);
            FaultReport current = _active[key] as FaultReport;
            if (current != null && current.SipCode == sipCode)
            {
                return null;
            }

            _sequence++;
            FaultReport report = new FaultReport(_sequence, code, true, line, sipCode, detail);
            _active[key] = report;
            return report;
        }

        /// <summary>Clears a fault; clearing one that is not active is not a change.</summary>
        public FaultReport Clear(string code, int line)
        {
            string key = Key(code, line);
            FaultReport current = _active[key] as FaultReport;
            if (current == null)
            {
                return null;
            }

            _active.Remove(key);
            _sequence++;
            return new FaultReport(_sequence, code, false, line, current.SipCode, null);
        }

        private static string Key(string code, int line)
        {
            return code + "|" + line.ToString();
        }
    }
}
