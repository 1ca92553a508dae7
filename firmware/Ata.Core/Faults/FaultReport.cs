using Ata.Core.Contract;
using Ata.Core.Json;

namespace Ata.Core.Faults
{
    /// <summary>A fault raised or cleared, as published on <c>ata/{id}/fault</c>.</summary>
    public sealed class FaultReport
    {
        /// <summary>Creates a report.</summary>
        /// <param name="sequence">Its number in this boot's changes, from 1.</param>
        /// <param name="code">See <see cref="FaultCode"/>.</param>
        /// <param name="raised">True when raised, false when cleared.</param>
        /// <param name="line">The line it concerns, 0 for the whole adapter.</param>
        /// <param name="sipCode">The SIP status code that caused it, 0 when none.</param>
        /// <param name="detail">Context in words, or null.</param>
        /// <param name="at">When it happened, in the adapter's milliseconds.</param>
        public FaultReport(long sequence, string code, bool raised, int line, int sipCode, string detail, long at)
        {
            Sequence = sequence;
            Code = code;
            Raised = raised;
            Line = line;
            SipCode = sipCode;
            Detail = detail;
            At = at;
        }

        /// <summary>Per-boot sequence number, increasing with every change.</summary>
        public long Sequence { get; private set; }
        /// <summary>See <see cref="FaultCode"/>.</summary>
        public string Code { get; private set; }
        /// <summary>True when raised, false when cleared.</summary>
        public bool Raised { get; private set; }
        /// <summary>The line it concerns, 0 for the whole adapter.</summary>
        public int Line { get; private set; }
        /// <summary>The SIP status code that caused it, 0 when none.</summary>
        public int SipCode { get; private set; }
        /// <summary>Context in words, or null.</summary>
        public string Detail { get; private set; }
        /// <summary>When it happened, in the adapter's milliseconds (the time passed to the core).</summary>
        public long At { get; private set; }

        /// <summary>
        /// The report as the contract's JSON, published at <paramref name="now"/>: <c>ageMs</c> says how
        /// long ago it happened, so a report held while the gateway was unreachable keeps its time.
        /// </summary>
        public string ToJson(string boot, long now)
        {
            JsonWriter w = new JsonWriter();
            w.BeginObject()
                .Property(Fields.Boot, boot)
                .Property(Fields.Sequence, Sequence)
                .Property(Fields.Code, Code)
                .Property(Fields.State, Raised ? FaultCode.Raised : FaultCode.Cleared);
            WriteContext(w, now);
            return w.EndObject().ToString();
        }

        /// <summary>Writes line, SIP code, detail and age (the fields after the state) into an open object.</summary>
        public void WriteContext(JsonWriter w, long now)
        {
            if (Line > 0)
            {
                w.Property(Fields.Line, Line);
            }

            if (SipCode > 0)
            {
                w.Property(Fields.SipCode, SipCode);
            }

            if (Detail != null)
            {
                w.Property(Fields.Detail, Detail);
            }

            w.Property(Fields.AgeMs, now - At < 0 ? 0 : now - At);
        }
    }
}
