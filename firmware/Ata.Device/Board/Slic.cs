using System.Device.Gpio;
using System.Device.Pwm;

namespace Ata.Device.Board
{
    /// <summary>
    /// One Silvertel Ag1171-style SLIC: the hook output (SHK) as an interrupt (raw: the core debounces
    /// and decodes flashes and rotary pulses), ring mode (RM, on the
    /// shift register) and line polarity (F/R). While ringing, F/R is driven by a 25 Hz PWM, which
    /// the module turns into the ringing voltage; otherwise F/R is a plain output.
    /// </summary>
    public sealed class Slic
    {
        /// <summary>Ringing frequency in hertz.</summary>
        public const int RingHz = 25;

        private readonly ShiftRegister _register;
        private readonly int _ringModeBit;
        private readonly int _polarityPin;
        private readonly GpioController _gpio;
        private readonly GpioPin _hook;
        private GpioPin _polarity;
        private PwmChannel _ring;
        private bool _reversed;

        /// <summary>Sets up line <paramref name="line"/> (1 or 2): hook interrupt, forward polarity, not ringing.</summary>
        public Slic(int line, GpioController gpio, ShiftRegister register, HookEvents hookEvents)
        {
            Line = line;
            _gpio = gpio;
            _register = register;
            _ringModeBit = line == 1 ? Pins.Line1RingMode : Pins.Line2RingMode;
            _polarityPin = line == 1 ? Pins.Line1Polarity : Pins.Line2Polarity;
            _hook = gpio.OpenPin(line == 1 ? Pins.Line1Hook : Pins.Line2Hook, PinMode.Input);
            _hook.ValueChanged += hookEvents.OnPinChanged;
            _polarity = gpio.OpenPin(_polarityPin, PinMode.Output);
            _polarity.Write(PinValue.Low);
            _register.Set(_ringModeBit, false);
        }

        /// <summary>The line number (1-based).</summary>
        public int Line { get; private set; }

        /// <summary>Reads SHK now: true when the handset is off hook.</summary>
        public bool IsOffHook()
        {
            return _hook.Read() == PinValue.High;
        }

        /// <summary>Starts or stops ringing.</summary>
        public void Ring(bool on)
        {
            if (on && _ring == null)
            {
                _polarity.Dispose();
                _polarity = null;
                _register.Set(_ringModeBit, true);
                _ring = PwmChannel.CreateFromPin(_polarityPin, RingHz, 0.5);
                _ring.Start();
            }
            else if (!on && _ring != null)
            {
                _ring.Stop();
                _ring.Dispose();
                _ring = null;
                _register.Set(_ringModeBit, false);
                _polarity = _gpio.OpenPin(_polarityPin, PinMode.Output);
                _polarity.Write(_reversed ? PinValue.High : PinValue.Low);
            }
        }

        /// <summary>Sets the line polarity (reversed wakes a phone for caller ID before the first ring); while ringing it takes effect when the ringing stops.</summary>
        public void Reverse(bool reversed)
        {
            _reversed = reversed;
            if (_polarity != null)
            {
                _polarity.Write(reversed ? PinValue.High : PinValue.Low);
            }
        }
    }
}
