using System;
using Ata.Device.Board;

namespace Ata.Device
{
    /// <summary>
    /// The adapter on the reference board: the one loop that feeds the core its inputs with the time,
    /// ticks it and carries out what it asks. The 10 ms audio capture paces the loop. Every decision
    /// is the core's; this file only pumps.
    /// </summary>
    public static class Program
    {
        /// <summary>Boots the board and never returns.</summary>
        public static void Main()
        {
            ReferenceBoard board = new ReferenceBoard(Environment.TickCount64);
            while (true)
            {
                long now = Environment.TickCount64;
                board.Watchdog.Feed();
                board.FeedInputs(now);
                board.Adapter.Tick(now);
                board.CarryOutRequests(now);
            }
        }
    }
}
