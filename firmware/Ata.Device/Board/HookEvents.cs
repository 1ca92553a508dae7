using System;
using System.Collections;
using System.Device.Gpio;

namespace Ata.Device.Board
{
    /// <summary>
    /// Collects input edges from GPIO interrupts (hook switches, the reset button) for the main loop,
    /// so that the core is only ever called from one thread. Each edge is stamped with the time of
    /// the interrupt, so rotary pulses and flashes are timed as they happened, not when the loop
    /// gets to them.
    /// </summary>
    public sealed class HookEvents
    {
        private readonly Queue _edges = new Queue();
        private readonly object _gate = new object();

        /// <summary>The interrupt handler: records the pin, whether it went high, and when.</summary>
        public void OnPinChanged(object sender, PinValueChangedEventArgs e)
        {
            long at = Environment.TickCount64;
            lock (_gate)
            {
                _edges.Enqueue(new long[] { e.PinNumber, e.ChangeType == PinEventTypes.Rising ? 1 : 0, at });
            }
        }

        /// <summary>Takes the oldest edge: the pin, whether it went high and when; false when none is waiting.</summary>
        public bool TryTake(out int pin, out bool high, out long at)
        {
            lock (_gate)
            {
                if (_edges.Count == 0)
                {
                    pin = -1;
                    high = false;
                    at = 0;
                    return false;
                }

                long[] edge = (long[])_edges.Dequeue();
                pin = (int)edge[0];
                high = edge[1] == 1;
                at = edge[2];
                return true;
            }
        }
    }
}
