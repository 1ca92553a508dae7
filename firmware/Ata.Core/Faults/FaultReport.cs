using Ata.Core.Contract;
using Ata.Core.Json;

namespace Ata.Core.Faults
{
    /// <summary>A fault raised or cleared, as published on <c>ata/{id}/fault</c>.</summary>
    public sealed class FaultReport
    {
        /// <summary>Creates a report.</summary>
        public FaultReport(long sequence, string code, bool raised, int line, int sipCode, string detail)
        {
            Sequence = sequence;
            Code = code;
            Raised = raised;
            Line = line;
            SipCode = sipCode;
            Detail = detail;
        }

        /// <summary>Per-device sequence number, increasing with every report.</summary>
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

        /// <summary>The report as the contract's JSON.</summary>
        public string ToJson()
        {
            JsonWriter w = new JsonWriter();
            w.BeginObject()
                .Property(Fields.Sequence, Sequence)
                .Property(Fields.Code, Code)
                .Property(Fields.State, Raised ? FaultCode.Raised : FaultCode.Cleared);
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

            return w.EndObject().ToString();
        }
    }
}
