using System.Threading;
using Ata.Core.Hardware;
using nanoFramework.Runtime.Native;

namespace Ata.Device.Board
{
    /// <summary>
    /// A software watchdog: a supervisor thread reboots the board when the main loop has not fed it for
    /// <see cref="TimeoutMs"/>, after noting the reason in the config store so the next boot reports
    /// it. (The nanoFramework 1.x API has no task-watchdog call; the firmware image's own task watchdog
    /// still guards the runtime itself.)
    /// </summary>
    public sealed class Watchdog
    {
        /// <summary>How long the main loop may stall.</summary>
        public const int TimeoutMs = 30000;

        private readonly IConfigStore _store;
        private long _fedAt;

        /// <summary>Starts the supervisor thread.</summary>
        public Watchdog(IConfigStore store)
        {
            _store = store;
            _fedAt = System.Environment.TickCount64;
            new Thread(Supervise).Start();
        }

        /// <summary>The main loop is alive.</summary>
        public void Feed()
        {
            _fedAt = System.Environment.TickCount64;
        }

        /// <summary>Notes <paramref name="reason"/> for the next boot and restarts the board.</summary>
        public void Reboot(string reason)
        {
            ResetCause.Record(_store, reason);
            Power.RebootDevice(RebootOption.NormalReboot);
        }

        private void Supervise()
        {
            while (true)
            {
                Thread.Sleep(1000);
                if (System.Environment.TickCount64 - _fedAt > TimeoutMs)
                {
                    Reboot(ResetCause.Watchdog);
                }
            }
        }
    }
}
