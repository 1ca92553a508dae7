using System.Device.Gpio;

namespace Ata.Device.Board
{
    /// <summary>The 74HC595 that holds the LED and SLIC control outputs; bits are shifted out on every change.</summary>
    public sealed class ShiftRegister
    {
        private readonly GpioPin _data;
        private readonly GpioPin _clock;
        private readonly GpioPin _latch;
        private readonly object _gate = new object();
        private int _bits;

        /// <summary>Opens the three pins and clears every output.</summary>
        public ShiftRegister(GpioController gpio)
        {
            _data = gpio.OpenPin(Pins.ShiftData, PinMode.Output);
            _clock = gpio.OpenPin(Pins.ShiftClock, PinMode.Output);
            _latch = gpio.OpenPin(Pins.ShiftLatch, PinMode.Output);
            Shift();
        }

        /// <summary>Sets one output (0 = QA).</summary>
        public void Set(int bit, bool high)
        {
            lock (_gate)
            {
                int bits = high ? _bits | (1 << bit) : _bits & ~(1 << bit);
                if (bits != _bits)
                {
                    _bits = bits;
                    Shift();
                }
            }
        }

        private void Shift()
        {
            _latch.Write(PinValue.Low);
            for (int bit = 7; bit >= 0; bit--)
            {
                _data.Write((_bits & (1 << bit)) != 0 ? PinValue.High : PinValue.Low);
                _clock.Write(PinValue.High);
                _clock.Write(PinValue.Low);
            }

            _latch.Write(PinValue.High);
        }
    }
}
