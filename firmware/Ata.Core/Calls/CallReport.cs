using Ata.Core.Contract;
using Ata.Core.Json;
using Ata.Core.Media;

namespace Ata.Core.Calls
{
    /// <summary>
    /// A finished call's record as published on <c>ata/{id}/call</c> (QoS 1, queued while the gateway is
    /// unreachable): direction, the far end masked to its last 3 digits, outcome, final SIP status and
    /// reason phrase, who ended it, codec, times, and the media quality (packets, loss, late packets,
    /// RFC 3550 jitter, RTCP round trip, E-model MOS). The body is written once, when the call ends (a
    /// few hundred bytes, nothing of the call's media kept); only <c>ageMs</c>, how long before publishing
    /// the call ended, is added when it is sent, so a record held through an outage keeps its time.
    /// </summary>
    public sealed class CallReport
    {
        private readonly string _body;
        private readonly long _endedAt;

        /// <summary>The record of <paramref name="call"/> (ended), number <paramref name="sequence"/> of the boot <paramref name="boot"/>.</summary>
        public CallReport(CallRecord call, string boot, long sequence)
        {
            Sequence = sequence;
            _endedAt = call.EndedAt;
            JsonWriter w = new JsonWriter().BeginObject()
                .Property(Fields.Boot, boot)
                .Property(Fields.Sequence, sequence)
                .Property(Fields.Line, call.Line)
                .Property(Fields.Direction, call.Direction)
                .Property(Fields.FarEnd, call.FarEndMasked)
                .Property(Fields.Emergency, call.Emergency)
                .Property(Fields.Outcome, call.Outcome)
                .Property(Fields.SipCode, call.SipCode)
                .Property(Fields.Reason, call.Reason)
                .Property(Fields.EndedBy, call.EndedBy)
                .Property(Fields.TotalMs, call.EndedAt - call.StartedAt)
                .Property(Fields.DurationMs, call.AnsweredAt >= 0 ? call.EndedAt - call.AnsweredAt : 0);
            if (call.AnsweredAt >= 0)
            {
                w.Property(Fields.AnsweredAfterMs, call.AnsweredAt - call.StartedAt);
            }

            if (call.Codec != null)
            {
                w.Property(Fields.Codec, call.Codec);
            }

            MediaQuality q = call.Quality;
            if (q != null)
            {
                w.Property(Fields.PacketsSent, q.PacketsSent)
                    .Property(Fields.PacketsReceived, q.PacketsReceived)
                    .Property(Fields.PacketsLost, q.PacketsLost)
                    .Property(Fields.LatePackets, q.Late)
                    .Property(Fields.LossPercent, q.LossPercent, 2)
                    .Property(Fields.JitterMs, q.InterarrivalJitterMs, 2)
                    .Property(Fields.RoundTripMs, q.RoundTripMs)
                    .Property(Fields.JitterBufferMs, q.DelayMs)
                    .Property(Fields.ConcealedMs, q.ConcealedMs)
                    .Property(Fields.Mos, q.Mos, 2);
            }

            _body = w.EndObject().ToString();
        }

        /// <summary>The record's number in this boot, from 1: with the boot, the gateway takes a record sent twice once.</summary>
        public long Sequence { get; private set; }

        /// <summary>The record as the contract's JSON, published at <paramref name="now"/> (with <c>ageMs</c>).</summary>
        public string ToJson(long now)
        {
            return "{\"" + Fields.AgeMs + "\":" + (now - _endedAt).ToString() + "," + _body.Substring(1);
        }
    }
}
