using System.IO.Ports;
using System.Text;
using nanoFramework.Hardware.Esp32;

namespace Ata.Device.Board
{
    /// <summary>
    /// The technician console's serial line: COM2 on the USB bridge's second channel, 115200 8N1.
    /// (COM1, the first channel, belongs to the nanoFramework debugger and flasher.)
    /// </summary>
    public sealed class SerialConsole
    {
        /// <summary>The line speed.</summary>
        public const int BaudRate = 115200;

        private readonly SerialPort _port;
        private readonly byte[] _buffer = new byte[128];

        /// <summary>Routes COM2 to the console pins and opens it.</summary>
        public SerialConsole()
        {
            Configuration.SetPinFunction(Pins.ConsoleTx, DeviceFunction.COM2_TX);
            Configuration.SetPinFunction(Pins.ConsoleRx, DeviceFunction.COM2_RX);
            _port = new SerialPort("COM2", BaudRate, Parity.None, 8, StopBits.One);
            _port.Open();
        }

        /// <summary>What arrived since the last call (printable ASCII and control characters), or empty.</summary>
        public string Read()
        {
            int waiting = _port.BytesToRead;
            if (waiting <= 0)
            {
                return string.Empty;
            }

            int count = _port.Read(_buffer, 0, waiting < _buffer.Length ? waiting : _buffer.Length);
            string text = string.Empty;
            for (int i = 0; i < count; i++)
            {
                text += ((char)_buffer[i]).ToString();
            }

            return text;
        }

        /// <summary>Sends text (the console only produces ASCII).</summary>
        public void Write(string text)
        {
            if (text.Length > 0)
            {
                byte[] bytes = Encoding.UTF8.GetBytes(text);
                _port.Write(bytes, 0, bytes.Length);
            }
        }
    }
}
