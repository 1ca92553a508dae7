using System.Collections;
using System.Device.Gpio;

namespace Ata.Device.Board
{
    /// <summary>
    /// Collects input edges from GPIO interrupts (hook switches, the reset button) for the main loop,
    /// so that the core is only ever called from one thread.
    /// </summary>
    public sealed class HookEvents
    {
        private readonly Queue _edges = new Queue();
        private readonly object _gate = new object();

        /// <summary>The interrupt handler: records the pin and whether it went high.</summary>
        public void OnPinChanged(object sender, PinValueChangedEventArgs e)
        {
            lock (_gate)
            {
                _edges.Enqueue(new int[] { e.PinNumber, e.ChangeType == PinEventTypes.Rising ? 1 : 0 });
            }
        }

        /// <summary>Takes the oldest edge: the pin number and whether it went high; false when none is waiting.</summary>
        public bool TryTake(out int pin, out bool high)
        {
            lock (_gate)
            {
                if (_edges.Count == 0)
                {
                    pin = -1;
                    high = false;
                    return false;
                }

                int[] edge = (int[])_edges.Dequeue();
                pin = edge[0];
                high = edge[1] == 1;
                return true;
            }
        }
    }
}
