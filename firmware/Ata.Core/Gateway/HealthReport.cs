using Ata.Core.Contract;
using Ata.Core.Json;
using Ata.Core.Leds;

namespace Ata.Core.Gateway
{
    /// <summary>The payloads of the MQTT contract the adapter writes (see <see cref="Fields"/>).</summary>
    public static class HealthReport
    {
        /// <summary>The boot announcement (<c>hello</c>).</summary>
        public static string Hello(Adapter adapter)
        {
            return new JsonWriter().BeginObject()
                .Property(Fields.DeviceId, adapter.DeviceId)
                .Property(Fields.Firmware, adapter.Device.Firmware)
                .Property(Fields.Hardware, adapter.Device.Hardware)
                .Property(Fields.ResetReason, adapter.Device.ResetReason)
                .Property(Fields.Mac, adapter.Device.Mac)
                .Property(Fields.Boot, adapter.Gateway.Boot)
                .EndObject().ToString();
        }

        /// <summary>The periodic health report (<c>health</c>).</summary>
        public static string Health(Adapter adapter, long now)
        {
            JsonWriter w = new JsonWriter();
            w.BeginObject()
                .Property(Fields.DeviceId, adapter.DeviceId)
                .Property(Fields.UptimeMs, adapter.UptimeMs(now))
                .Property(Fields.Firmware, adapter.Device.Firmware);
            if (adapter.Device.Rssi != 0)
            {
                // A radio's signal; a wired board (the reference board is Ethernet) has none to report.
                w.Property(Fields.Rssi, adapter.Device.Rssi);
            }

            w.Property(Fields.FreeHeap, adapter.Device.FreeHeap)
                .Property(Fields.Wan, adapter.Wan)
                .Property(Fields.WanAddress, adapter.WanAddress)
                .Property(Fields.ConfigVersion, adapter.Config == null ? -1 : adapter.Config.Version)
                .Property(Fields.SipParseErrors, adapter.Sip.ParseErrors)
                .Property(Fields.ReportsQueued, adapter.Gateway.Queued)
                .Property(Fields.ReportsDropped, adapter.Gateway.Dropped);
            w.Name(Fields.Leds).BeginObject();
            for (int i = 0; i < LedTable.Names.Length; i++)
            {
                w.Property(LedTable.Names[i], adapter.Leds.PatternName(i));
            }

            w.EndObject().Name(Fields.Lines).BeginArray();
            for (int line = 1; line <= Adapter.LineCount; line++)
            {
                Sip.Registration r = adapter.Sip.Registration(line);
                w.BeginObject()
                    .Property(Fields.Line, line)
                    .Property(Fields.Registration, adapter.Sip.StateOf(line))
                    .Property(Fields.SipCode, r == null ? 0 : r.LastSipCode)
                    .Property(Fields.LineState, adapter.Port(line).Line.State)
                    .Property(Fields.Voicemail, adapter.Voicemail(line));
                w.Name(Fields.Calls).BeginArray();
                Calls.LineCalls calls = adapter.Calls(line);
                WriteCall(w, calls.Current);
                WriteCall(w, calls.Other);
                w.EndArray().EndObject();
            }

            return w.EndArray().EndObject().ToString();
        }

        /// <summary>One of the line's calls, if there is one: state, direction, the far end masked, codec and live quality once answered.</summary>
        private static void WriteCall(JsonWriter w, Calls.CallRecord call)
        {
            if (call == null)
            {
                return;
            }

            w.BeginObject()
                .Property(Fields.State, call.State)
                .Property(Fields.Direction, call.Direction)
                .Property(Fields.FarEnd, call.FarEndMasked)
                .Property(Fields.Emergency, call.Emergency);
            if (call.Codec != null)
            {
                w.Property(Fields.Codec, call.Codec);
            }

            Media.MediaQuality q = call.Quality;
            if (q != null)
            {
                w.Property(Fields.LossPercent, q.LossPercent, 1)
                    .Property(Fields.JitterMs, q.JitterMs)
                    .Property(Fields.RoundTripMs, q.RoundTripMs)
                    .Property(Fields.Mos, q.Mos, 2);
            }

            w.EndObject();
        }

        /// <summary>A config acknowledgement (<c>config/ack</c>).</summary>
        public static string ConfigAck(long version, bool applied, string reason)
        {
            JsonWriter w = new JsonWriter().BeginObject().Property(Fields.Version, version).Property(Fields.Applied, applied);
            if (reason != null)
            {
                w.Property(Fields.Reason, reason);
            }

            return w.EndObject().ToString();
        }

        /// <summary>A command's outcome (<c>cmd/result</c>).</summary>
        public static string CommandResult(string id, bool ok, string detail)
        {
            return new JsonWriter().BeginObject().Property(Fields.Id, id).Property(Fields.Ok, ok).Property(Fields.Detail, detail).EndObject().ToString();
        }

        /// <summary>A service code dialled on a handset (<c>service</c>).</summary>
        public static string Service(int line, string code, string action, long uptimeMs)
        {
            return new JsonWriter().BeginObject()
                .Property(Fields.Line, line)
                .Property(Fields.ServiceCode, code)
                .Property(Fields.Action, action)
                .Property(Fields.UptimeMs, uptimeMs)
                .EndObject().ToString();
        }
    }
}
