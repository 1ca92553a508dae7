using System.Collections;
using Ata.Core.Contract;
using Ata.Core.Json;

namespace Ata.Core.Gateway
{
    /// <summary>The commands the gateway may send on <c>cmd</c>, carried out on the adapter.</summary>
    public static class GatewayCommand
    {
        /// <summary>Restart the adapter once its lines are idle (or at once with <c>force</c>).</summary>
        public const string Reboot = "reboot";

        /// <summary>Register every line again now.</summary>
        public const string Reregister = "reregister";

        /// <summary>Ring the phone of <c>line</c> (default 1) with the national cadence for <see cref="TestRingMs"/>, to check the handset and wiring.</summary>
        public const string Ring = "ring";

        /// <summary>Send a health report now.</summary>
        public const string Health = "health";

        /// <summary>
        /// Erase every setting, the device secret, the broker CA and the provisioning, then restart
        /// unprovisioned (after the answer is delivered): the adapter then needs a new onboarding code.
        /// </summary>
        public const string FactoryReset = "factory-reset";

        /// <summary>How long a test ring lasts, ms, unless the handset is lifted first.</summary>
        public const long TestRingMs = 10000;

        /// <summary>Carries out <paramref name="command"/>; returns whether it was accepted, with words in <paramref name="detail"/>.</summary>
        public static bool Run(Adapter adapter, string command, Hashtable arguments, long now, out string detail)
        {
            if (command == Reboot)
            {
                bool force = arguments != null && JsonObject.GetBool(arguments, Fields.Force, false);
                adapter.RequestReboot("gateway", force, now);
                detail = force || adapter.LinesIdle ? "rebooting" : "rebooting once every line is idle";
                return true;
            }

            if (command == Reregister)
            {
                adapter.Reregister(now);
                detail = "registering again";
                return true;
            }

            if (command == Ring)
            {
                long line = arguments == null ? 1 : JsonObject.GetLong(arguments, Fields.Line, 1);
                if (line < 1 || line > Adapter.LineCount)
                {
                    detail = "no line " + line.ToString();
                    return false;
                }

                if (!adapter.TestRing((int)line, TestRingMs, now))
                {
                    detail = "line " + line.ToString() + " is in use";
                    return false;
                }

                detail = "ringing line " + line.ToString() + " for " + (TestRingMs / 1000).ToString() + " s";
                return true;
            }

            if (command == FactoryReset)
            {
                adapter.FactoryReset("factory-reset by the gateway", now);
                detail = "erasing settings, device secret, CA and provisioning; restarting unprovisioned (onboard it again)";
                return true;
            }

            if (command == Health)
            {
                adapter.SendHealthSoon();
                detail = "health report follows";
                return true;
            }

            detail = command == null ? "not a command" : "unknown command '" + command + "'";
            return false;
        }
    }
}
