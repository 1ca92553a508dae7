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

            detail = command == null ? "not a command" : "unknown command '" + command + "'";
            return false;
        }
    }
}
