using Ata.Core.Hardware;
using nanoFramework.Hardware.Esp32;

namespace Ata.Device.Board
{
    /// <summary>
    /// Why the board last reset: what the firmware noted before it rebooted on purpose (console,
    /// factory reset, watchdog), else the ESP32's wake-up cause, else a power-on (or a crash, which the
    /// chip does not tell apart through the nanoFramework API).
    /// </summary>
    public static class ResetCause
    {
        /// <summary>The supervisor found the main loop stalled.</summary>
        public const string Watchdog = "watchdog";

        private const string RecordName = "reset-cause";

        /// <summary>Notes the reason of a reboot that is about to happen.</summary>
        public static void Record(IConfigStore store, string reason)
        {
            store.Write(RecordName, reason);
        }

        /// <summary>Reads and forgets the noted reason; falls back to the chip's wake-up cause.</summary>
        public static string Take(IConfigStore store)
        {
            string noted = store.Read(RecordName);
            if (noted != null && noted.Length > 0)
            {
                store.Write(RecordName, string.Empty);
                return noted;
            }

            Sleep.WakeupCause cause = Sleep.GetWakeupCause();
            if (cause == Sleep.WakeupCause.Undefined)
            {
                return "power-on";
            }

            return cause == Sleep.WakeupCause.Timer ? "wake-timer" : "wake-other";
        }
    }
}
