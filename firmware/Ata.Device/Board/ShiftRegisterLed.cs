using Ata.Core.Hardware;

namespace Ata.Device.Board
{
    /// <summary>An LED on an output of the shift register.</summary>
    public sealed class ShiftRegisterLed : ILed
    {
        private readonly ShiftRegister _register;
        private readonly int _bit;

        /// <summary>The LED on <paramref name="bit"/> of <paramref name="register"/>.</summary>
        public ShiftRegisterLed(ShiftRegister register, int bit)
        {
            _register = register;
            _bit = bit;
        }

        /// <inheritdoc/>
        public void Set(bool on)
        {
            _register.Set(_bit, on);
        }
    }
}
