using Ata.Core.Faults;
using Ata.Core.Host;
using Ata.Core.Leds;
using Ata.Core.Provisioning;
using Ata.Core.Settings;

namespace Ata.Core.Console
{
    /// <summary><c>status</c> and <c>leds</c>: the adapter, WAN, gateway, lines, calls and faults at a glance, and what each LED shows.</summary>
    public sealed partial class TechnicianConsole
    {
        private string Status(long now)
        {
            string text = "firmware:   " + _device.Firmware + " (hardware " + _device.Hardware + ")" + NewLine
                + "device id:  " + Settings.Show(DeviceSettings.DeviceIdKey) + NewLine
                + "uptime:     " + ((now - _bootAt) / 1000).ToString() + " s" + NewLine
                + "reset:      " + _device.ResetReason + NewLine
                + "mac:        " + _device.Mac + NewLine;
            string missing = Settings.Missing();
            if (missing != null)
            {
                text += "setup:      incomplete, missing " + missing + NewLine;
            }

            if (_changedSinceBoot)
            {
                text += "settings:   changed since boot; reboot to use them" + NewLine;
            }

            if (Adapter == null)
            {
                return text + "adapter:    not running (set the missing settings, then reboot)" + NewLine;
            }

            text += "wan:        " + Settings.WanMode + ", " + Adapter.Wan
                + (Adapter.WanAddress == null ? string.Empty : " " + Adapter.WanAddress) + NewLine;
            text += "gateway:    " + GatewayStatus(now) + NewLine;
            ProvisioningDocument config = Adapter.Config;
            text += "config:     " + (config == null ? "none yet" : "version " + config.Version.ToString()) + NewLine;
            for (int line = 1; line <= Adapter.LineCount; line++)
            {
                Sip.Registration registration = Adapter.Sip.Registration(line);
                text += "line " + line.ToString() + ":     " + Adapter.Sip.StateOf(line)
                    + (registration == null ? string.Empty : " (last SIP " + registration.LastSipCode.ToString() + ")") + NewLine;
                Calls.LineCalls calls = Adapter.Calls(line);
                text += CallStatus(calls.Current) + CallStatus(calls.Other);
            }

            FaultReport[] faults = Adapter.Faults.Active();
            if (faults.Length == 0)
            {
                return text + "faults:     none" + NewLine;
            }

            for (int i = 0; i < faults.Length; i++)
            {
                text += "fault:      " + faults[i].Code + (faults[i].Line > 0 ? " line " + faults[i].Line.ToString() : string.Empty)
                    + (faults[i].Detail == null ? string.Empty : ": " + faults[i].Detail) + NewLine;
            }

            return text;
        }

        /// <summary>One of a line's calls (the one in the foreground, or one held or waiting), or nothing.</summary>
        private static string CallStatus(Calls.CallRecord call)
        {
            if (call == null)
            {
                return string.Empty;
            }

            string text = "  call:     " + call.State + ", " + call.Direction
                + (call.FarEnd == null ? string.Empty : (call.Direction == Calls.CallRecord.Outgoing ? " to " : " from ") + call.FarEndMasked)
                + (call.Emergency ? " (emergency)" : string.Empty);
            if (call.Codec != null)
            {
                text += ", " + call.Codec;
            }

            Media.MediaQuality quality = call.Quality;
            if (quality != null)
            {
                text += ", loss " + Number(quality.LossPercent, 1) + " %, jitter " + quality.JitterMs.ToString() + " ms, MOS " + Number(quality.Mos, 2);
            }

            return text + NewLine;
        }

        private static string Number(double value, int decimals)
        {
            string json = new Json.JsonWriter().BeginArray().Value(value, decimals).EndArray().ToString();
            return json.Substring(1, json.Length - 2);
        }

        private string GatewayStatus(long now)
        {
            HostSupervisor host = Adapter.Host;
            if (host.NotSetUp != null)
            {
                return "not set up";
            }

            if (host.LoginRefused)
            {
                return HostSupervisor.LoginRefusedProblem + " (" + host.ConnectFailures.ToString() + " attempts)";
            }

            string state = host.State;
            if (state == GatewayState.Waiting && host.ConnectFailures > 0)
            {
                long wait = host.NextConnectAt - now;
                return "unreachable" + (host.Problem == null ? string.Empty : " (" + host.Problem + ")")
                    + ", next attempt in " + (wait < 0 ? 0 : wait / 1000).ToString() + " s";
            }

            if (state == GatewayState.NotConfigured)
            {
                return "none (standalone)";
            }

            string text = state;
            if (Adapter.Gateway.Queued > 0)
            {
                text += ", " + Adapter.Gateway.Queued.ToString() + " reports waiting";
            }

            if (Adapter.Gateway.Dropped > 0)
            {
                text += ", " + Adapter.Gateway.Dropped.ToString() + " dropped";
            }

            return text;
        }

        private string Leds()
        {
            if (Adapter == null)
            {
                return "pwr: slow-blink (not set up)" + NewLine;
            }

            string text = string.Empty;
            for (int i = 0; i < LedTable.Names.Length; i++)
            {
                text += LedTable.Names[i] + ": " + Adapter.Leds.PatternName(i) + NewLine;
            }

            return text;
        }
    }
}
