using System.Device.I2s;
using Ata.Core.Hardware;
using nanoFramework.Hardware.Esp32;

namespace Ata.Device.Board
{
    /// <summary>
    /// Tones and line audio over I2S1 to the stereo codec: 8 kHz, 16-bit samples, left = TEL1,
    /// right = TEL2. What to play (tone plans, cadences) is the core's decision; this only moves samples.
    /// </summary>
    public sealed class LineAudio : IAudioSink
    {
        /// <summary>Samples per second (narrow-band telephony).</summary>
        public const int SampleRate = 8000;

        private readonly I2sDevice _device;
        private byte[] _frame = new byte[0];

        /// <summary>Routes the I2S pins and opens the bus as master, transmit and receive.</summary>
        public LineAudio()
        {
            Configuration.SetPinFunction(Pins.I2sBitClock, DeviceFunction.I2S1_BCK);
            Configuration.SetPinFunction(Pins.I2sWordSelect, DeviceFunction.I2S1_WS);
            Configuration.SetPinFunction(Pins.I2sDataOut, DeviceFunction.I2S1_DATA_OUT);
            Configuration.SetPinFunction(Pins.I2sDataIn, DeviceFunction.I2S1_MDATA_IN);
            I2sConnectionSettings settings = new I2sConnectionSettings(1);
            settings.Mode = I2sMode.Master | I2sMode.Tx | I2sMode.Rx;
            settings.SampleRate = SampleRate;
            settings.BitsPerSample = I2sBitsPerSample.Bit16;
            settings.ChannelFormat = I2sChannelFormat.RightLeft;
            settings.CommunicationFormat = I2sCommunicationFormat.I2S;
            settings.BufferSize = 1024;
            _device = I2sDevice.Create(settings);
        }

        /// <summary>Plays the samples on the line's channel (left = line 1, right = line 2), the other channel silent.</summary>
        public void Play(int line, short[] samples, int offset, int count)
        {
            if (_frame.Length < count * 4)
            {
                _frame = new byte[count * 4];
            }

            int channel = line == 1 ? 0 : 2;
            for (int i = 0; i < count; i++)
            {
                int at = i * 4;
                short sample = samples[offset + i];
                _frame[at] = 0;
                _frame[at + 1] = 0;
                _frame[at + 2] = 0;
                _frame[at + 3] = 0;
                _frame[at + channel] = (byte)(sample & 0xFF);
                _frame[at + channel + 1] = (byte)((sample >> 8) & 0xFF);
            }

            _device.Write(new System.SpanByte(_frame, 0, count * 4));
        }

        /// <summary>Samples per line captured by one <see cref="Capture"/> (10 ms).</summary>
        public const int CaptureSamples = SampleRate / 100;

        private readonly byte[] _captured = new byte[CaptureSamples * 4];

        /// <summary>
        /// Reads 10 ms of audio from both handsets (blocking until the codec delivered it, which paces
        /// the main loop) and splits the stereo frames into <paramref name="line1"/> and <paramref name="line2"/>.
        /// </summary>
        public void Capture(short[] line1, short[] line2)
        {
            _device.Read(new System.SpanByte(_captured));
            for (int i = 0; i < CaptureSamples; i++)
            {
                int at = i * 4;
                line1[i] = (short)(_captured[at] | (_captured[at + 1] << 8));
                line2[i] = (short)(_captured[at + 2] | (_captured[at + 3] << 8));
            }
        }
    }
}
