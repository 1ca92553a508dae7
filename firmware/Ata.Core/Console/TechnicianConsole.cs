using Ata.Core.Hardware;
using Ata.Core.Settings;

namespace Ata.Core.Console
{
    /// <summary>
    /// The technician console on the board's USB serial port: characters in, text out. It echoes what
    /// is typed (a serial line has no echo of its own; a secret's value is echoed as <c>*</c>), runs one command per line and answers with
    /// CRLF-terminated lines and a prompt. Secrets are never printed. Commands that need the board to
    /// act (reboot) leave a <see cref="RequestedAction"/> for the host.
    /// </summary>
    public sealed partial class TechnicianConsole
    {
        /// <summary>The prompt shown before each command.</summary>
        public const string Prompt = "ata> ";

        /// <summary>Longest command line accepted; further characters are ignored until Enter.</summary>
        public const int MaxLineLength = 400;

        private const string NewLine = "\r\n";

        private readonly IDeviceInfo _device;
        private readonly IConfigStore _store;
        private readonly RecentLog _log;
        private readonly long _bootAt;
        private string _line = string.Empty;
        private bool _lastWasCr;
        private bool _changedSinceBoot;
        private string _action = ConsoleAction.None;

        /// <summary>Creates the console.</summary>
        /// <param name="adapter">The running adapter, or null while the board is not set up yet.</param>
        /// <param name="device">Board facts.</param>
        /// <param name="settings">The settings loaded at boot; changed in place by <c>set</c>.</param>
        /// <param name="store">Where settings are saved after every change.</param>
        /// <param name="log">The recent log shown by <c>log</c>.</param>
        /// <param name="bootAt">Boot time in milliseconds, for the uptime.</param>
        public TechnicianConsole(Adapter adapter, IDeviceInfo device, DeviceSettings settings, IConfigStore store, RecentLog log, long bootAt)
        {
            Adapter = adapter;
            _device = device;
            Settings = settings;
            _store = store;
            _log = log;
            _bootAt = bootAt;
        }

        /// <summary>The adapter the console reports on (null until the board is set up).</summary>
        public Adapter Adapter { get; set; }

        /// <summary>The settings the console shows and changes.</summary>
        public DeviceSettings Settings { get; private set; }

        /// <summary>What the host must do now (a <see cref="ConsoleAction"/> name); see <see cref="TakeAction"/>.</summary>
        public string RequestedAction
        {
            get { return _action; }
        }

        /// <summary>Returns the requested action and forgets it.</summary>
        public string TakeAction()
        {
            string action = _action;
            _action = ConsoleAction.None;
            return action;
        }

        /// <summary>
        /// The host erased the store (a factory reset the gateway asked for): the settings go back to
        /// factory defaults and a waiting onboarding code is forgotten. The board restarts anyway; a host
        /// that keeps the console across the restart (the simulator) calls this.
        /// </summary>
        public void StoreErased()
        {
            Settings = new DeviceSettings();
            _pendingCode = null;
            _pastedCa = null;
        }

        /// <summary>The greeting shown when a technician connects, ending with the prompt.</summary>
        public string Greeting()
        {
            string id = Settings.DeviceId.Length == 0 ? "(no device id yet)" : Settings.DeviceId;
            return "Ata technician console, firmware " + _device.Firmware + ", device " + id + NewLine
                + "Type 'help' for the commands." + NewLine + Prompt;
        }

        /// <summary>
        /// Feeds characters received on the serial line; returns what to send back (the echo, the
        /// answers to every completed line, prompts). Backspace/DEL erase, Ctrl-C drops the line.
        /// </summary>
        public string Receive(string chunk, long now)
        {
            string output = string.Empty;
            for (int i = 0; i < chunk.Length; i++)
            {
                char c = chunk[i];
                if (c == '\n' && _lastWasCr)
                {
                    _lastWasCr = false;
                    continue;
                }

                _lastWasCr = c == '\r';
                if (c == '\r' || c == '\n')
                {
                    string line = _line;
                    _line = string.Empty;
                    output += NewLine + Answer(line, now);
                }
                else if (c == '\b' || c == (char)127)
                {
                    if (_line.Length > 0)
                    {
                        _line = _line.Substring(0, _line.Length - 1);
                        output += "\b \b";
                    }
                }
                else if (c == (char)3)
                {
                    _line = string.Empty;
                    _pastedCa = null;
                    output += "^C" + NewLine + Prompt;
                }
                else if (c >= ' ' && c <= '~' && _line.Length < MaxLineLength)
                {
                    bool secret = TypingSecret();
                    _line += c.ToString();
                    output += secret ? "*" : c.ToString();
                }
            }

            return output;
        }

        /// <summary>The answer to one line received: a command's, with the prompt, or none while a pasted CA certificate goes on.</summary>
        private string Answer(string line, long now)
        {
            string trimmed = line.Trim();
            if (PastingCa || trimmed == Onboarding.BrokerCa.BeginLine)
            {
                string answer = PasteCaLine(trimmed, now);
                return answer == null ? string.Empty : answer + Prompt;
            }

            return Execute(line, now) + Prompt;
        }

        /// <summary>True when the line typed so far is <c>set</c> of a secret key or <c>onboard</c> and its value follows: echo is masked.</summary>
        private bool TypingSecret()
        {
            return SecretFrom() >= 0;
        }

        /// <summary>Where the secret value starts in the line typed so far (after <c>set</c> of a secret key or <c>onboard</c>), or -1.</summary>
        private int SecretFrom()
        {
            string line = Text.AsciiText.ToLower(_line);
            if (line.StartsWith("onboard "))
            {
                return 8;
            }

            for (int i = 0; i < DeviceSettings.Keys.Length; i++)
            {
                string key = DeviceSettings.Keys[i];
                if (DeviceSettings.IsSecret(key) && line.StartsWith("set " + key + " "))
                {
                    return key.Length + 5;
                }
            }

            return -1;
        }

        /// <summary>The line typed so far as its echo showed it (a secret value as <c>*</c>), to show it again after unasked output.</summary>
        private string TypedAsEchoed()
        {
            int from = SecretFrom();
            return from < 0 ? _line : _line.Substring(0, from) + new string('*', _line.Length - from);
        }

        /// <summary>Runs one command line; returns the answer, each line ending with CRLF (after the outcome of an echo path measurement not told yet).</summary>
        public string Execute(string commandLine, long now)
        {
            string told = TakeEchoPathOutcome(now);
            return told + Run(commandLine, now);
        }

        private string Run(string commandLine, long now)
        {
            string line = commandLine.Trim();
            if (line.Length == 0)
            {
                return string.Empty;
            }

            string command = line;
            string rest = string.Empty;
            int space = line.IndexOf(' ');
            if (space > 0)
            {
                command = line.Substring(0, space);
                rest = line.Substring(space + 1).Trim();
            }

            command = Text.AsciiText.ToLower(command);
            if (command == "help" || command == "?")
            {
                return Help();
            }

            if (command == "status")
            {
                return Status(now);
            }

            if (command == "leds")
            {
                return Leds();
            }

            if (command == "show")
            {
                return Show(Text.AsciiText.ToLower(rest));
            }

            if (command == "set")
            {
                return SetValue(rest, now);
            }

            if (command == "onboard")
            {
                return Onboard(rest, now);
            }

            if (command == "unset")
            {
                return UnsetValue(rest, now);
            }

            if (command == "echo")
            {
                return Echo(rest, now);
            }

            if (command == "log")
            {
                return Log(rest);
            }

            if (command == "factory-reset")
            {
                return FactoryReset(rest, now);
            }

            if (command == "reboot")
            {
                _log.Add(now, "console: reboot");
                Reboot("console", now);
                return "rebooting..." + NewLine;
            }

            return "error: unknown command '" + command + "'; type 'help'" + NewLine;
        }

        /// <summary>The technician asked: the adapter reboots at once (a running adapter says goodbye to the gateway first).</summary>
        private void Reboot(string reason, long now)
        {
            if (Adapter != null)
            {
                Adapter.RequestReboot(reason, true, now);
            }
            else
            {
                _action = ConsoleAction.Reboot;
            }
        }

        private static string Help()
        {
            return "status                      adapter, WAN, lines and faults" + NewLine
                + "leds                        what each LED shows" + NewLine
                + "show settings               every setting (secrets masked)" + NewLine
                + "show wan|gateway|device|echo one group of settings" + NewLine
                + "show provisioning           the lines the gateway provisioned (secrets masked)" + NewLine
                + "set KEY VALUE               change a setting, saved at once, used after reboot" + NewLine
                + "unset KEY                   put a setting back to its default" + NewLine
                + "onboard CODE                take the gateway's one-time onboarding code; then paste" + NewLine
                + "                            the CA certificate shown with it; then reboot" + NewLine
                + "echo                        each line's echo path delay (the echo canceller's bulk delay)" + NewLine
                + "echo measure [LINE]         measure it (handset off hook, quiet; no call on any line)" + NewLine
                + "log [N]                     the last N log lines (default 20)" + NewLine
                + "factory-reset confirm       erase every setting and reboot" + NewLine
                + "reboot                      restart the board" + NewLine
                + "keys: " + DeviceSettings.KeyList() + NewLine;
        }

        private string Log(string rest)
        {
            int wanted = 20;
            if (rest.Length > 0)
            {
                wanted = Text.AsciiText.ParseNonNegative(rest);
                if (wanted < 1)
                {
                    return "error: usage: log [N], N a number of lines from 1 to " + _log.Capacity.ToString() + NewLine;
                }
            }

            if (_log.Count == 0)
            {
                return "(log is empty)" + NewLine;
            }

            int first = _log.Count > wanted ? _log.Count - wanted : 0;
            string text = string.Empty;
            for (int i = first; i < _log.Count; i++)
            {
                text += FormatTime(_log.Time(i) - _bootAt) + " " + _log.Text(i) + NewLine;
            }

            return text;
        }

        private static string FormatTime(long ms)
        {
            if (ms < 0)
            {
                ms = 0;
            }

            long seconds = ms / 1000;
            long millis = ms % 1000;
            string fraction = millis.ToString();
            while (fraction.Length < 3)
            {
                fraction = "0" + fraction;
            }

            return "[" + seconds.ToString() + "." + fraction + "]";
        }
    }
}
