using System.Device.Gpio;

namespace Ata.Device.Board
{
    /// <summary>The recessed RESET button on GPIO 0 (low = pressed); its edges go to <see cref="HookEvents"/>.</summary>
    public sealed class ResetButton
    {
        private readonly GpioPin _pin;

        /// <summary>Opens the pin with an interrupt on both edges.</summary>
        public ResetButton(GpioController gpio, HookEvents events)
        {
            _pin = gpio.OpenPin(Pins.FactoryReset, PinMode.InputPullUp);
            _pin.DebounceTimeout = System.TimeSpan.FromMilliseconds(50);
            _pin.ValueChanged += events.OnPinChanged;
        }
    }
}
