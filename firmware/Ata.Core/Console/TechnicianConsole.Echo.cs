using Ata.Core.Media;
using Ata.Core.Settings;

namespace Ata.Core.Console
{
    /// <summary>
    /// <c>echo</c>: each line's echo path delay (the echo canceller's bulk delay) and its measurement. <c>echo measure
    /// [LINE]</c> starts <see cref="Adapter.MeasureEchoPath"/>; its outcome is told (and a delay found saved in the
    /// settings, so it survives a restart) by <see cref="Tick"/> or the next command, whichever comes first.
    /// </summary>
    public sealed partial class TechnicianConsole
    {
        private int _echoSeen;

        /// <summary>
        /// What the console has to say unasked (an echo path measurement that finished), ending with the prompt and
        /// the line typed so far; empty when nothing. The host calls it every loop and sends what it returns.
        /// </summary>
        public string Tick(long now)
        {
            string told = TakeEchoPathOutcome(now);
            return told.Length == 0 ? string.Empty : NewLine + told + Prompt + TypedAsEchoed();
        }

        private string Echo(string rest, long now)
        {
            if (Adapter == null)
            {
                return "error: the adapter is not running (set the missing settings, then reboot)" + NewLine;
            }

            string[] words = rest.Length == 0 ? new string[0] : rest.Split(new char[] { ' ' });
            if (words.Length == 0)
            {
                return EchoStatus();
            }

            if (Text.AsciiText.ToLower(words[0]) != "measure" || words.Length > 2)
            {
                return "error: usage: echo [measure [LINE]]" + NewLine;
            }

            int line = words.Length == 2 ? Text.AsciiText.ParseNonNegative(words[1]) : 1;
            if (line < 0)
            {
                return "error: usage: echo measure [LINE], LINE a line number from 1 to " + Adapter.LineCount.ToString() + NewLine;
            }

            string refused = Adapter.MeasureEchoPath(line, now);
            if (refused != null)
            {
                return "error: " + refused + NewLine;
            }

            _log.Add(now, "console: measuring line " + line.ToString() + "'s echo path");
            return "measuring line " + line.ToString() + "'s echo path: keep the handset off hook and quiet; a short hiss plays," + NewLine
                + "the result follows in a few seconds (or type 'echo')" + NewLine;
        }

        private string EchoStatus()
        {
            string text = string.Empty;
            for (int line = 1; line <= Adapter.LineCount; line++)
            {
                int delay = Adapter.EchoPathDelay(line);
                bool stored = Settings.EchoPathDelay(line) >= 0;
                text += "line " + line.ToString() + ":     echo path delay " + Samples(delay)
                    + (stored ? " (stored " + DeviceSettings.EchoPathKey(line) + " = " + Settings.EchoPathDelay(line).ToString() + ")" : " (the board's; not measured)") + NewLine;
            }

            EchoPathProbe probe = Adapter.EchoPathProbe;
            if (probe != null && probe.IsRunning)
            {
                text += "measuring:  line " + probe.Line.ToString() + " (" + probe.State + ")" + NewLine;
            }

            return text;
        }

        /// <summary>The outcome of a measurement that finished since last told (a delay found is saved), or empty.</summary>
        private string TakeEchoPathOutcome(long now)
        {
            EchoPathProbe probe = Adapter == null ? null : Adapter.EchoPathProbe;
            if (probe == null || probe.Finished == _echoSeen)
            {
                return string.Empty;
            }

            _echoSeen = probe.Finished;
            int line = probe.Line;
            if (probe.State != EchoPathProbe.Measured)
            {
                _log.Add(now, "console: echo path of line " + line.ToString() + " not measured: " + probe.Failure);
                return "echo path of line " + line.ToString() + " not measured: " + probe.Failure + NewLine;
            }

            string text = "line " + line.ToString() + ": echo starts " + Samples(probe.EchoDelaySamples) + " after the earpiece; bulk delay "
                + Samples(probe.BulkDelaySamples) + " in use" + NewLine;
            if (probe.EchoDelaySamples > EchoCanceller.MaxBulkDelaySamples)
            {
                text += "warning: the echo starts later than the canceller can look back (" + Samples(EchoCanceller.MaxBulkDelaySamples) + ")" + NewLine;
            }

            string key = DeviceSettings.EchoPathKey(line);
            string value = probe.BulkDelaySamples.ToString();
            if (key == null || Settings.Set(key, value) != null || !Settings.Save(_store))
            {
                _log.Add(now, "console: line " + line.ToString() + " echo path delay " + value + " not saved");
                return text + "error: the delay could not be saved to flash; it is used until the next restart" + NewLine;
            }

            _log.Add(now, "console: line " + line.ToString() + " echo path delay " + value + " measured and saved (" + key + ")");
            return text + "saved as " + key + " = " + value + NewLine;
        }

        private static string Samples(int samples)
        {
            int tenths = (samples * 10) / 8;
            return samples.ToString() + " samples (" + (tenths / 10).ToString() + "." + (tenths % 10).ToString() + " ms)";
        }
    }
}
