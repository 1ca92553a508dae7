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

        /// <summary>
        /// The audio path's flat delay before the hybrid's echo of a sample given to <see cref="Play"/> can show in
        /// what <see cref="Capture"/> reads, in samples: the echo canceller's bulk delay. 0 (safe: the canceller's
        /// 16 ms window starts at once) until it is measured on the board: the console's <c>echo measure LINE</c>
        /// (<c>Ata.Core.Media.EchoPathProbe</c>) plays a burst, finds its echo in the capture and stores the delay
        /// (less a margin) per line in the settings, which override this at boot. Set it a little below the measured
        /// delay, never above, or the echo's start falls before the window.
        /// </summary>
        public const int EchoPathDelaySamples = 0;

        /// <summary>Samples each line may queue for the earpiece before the oldest are dropped (100 ms).</summary>
        public const int QueueSamples = SampleRate / 10;

        private readonly I2sDevice _device;
        private readonly short[] _queue1 = new short[QueueSamples];
        private readonly short[] _queue2 = new short[QueueSamples];
        private readonly byte[] _frame = new byte[QueueSamples * 4];
        private int _queued1;
        private int _queued2;

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

        /// <summary>Queues the samples for the line's channel (left = line 1, right = line 2); <see cref="Flush"/> writes them.</summary>
        public void Play(int line, short[] samples, int offset, int count)
        {
            short[] queue = line == 1 ? _queue1 : _queue2;
            int queued = line == 1 ? _queued1 : _queued2;
            if (count > QueueSamples)
            {
                offset += count - QueueSamples;
                count = QueueSamples;
            }

            if (queued + count > QueueSamples)
            {
                // Too far behind: drop the oldest, so the earpiece never lags.
                int drop = queued + count - QueueSamples;
                System.Array.Copy(queue, drop, queue, 0, queued - drop);
                queued -= drop;
            }

            System.Array.Copy(samples, offset, queue, queued, count);
            if (line == 1)
            {
                _queued1 = queued + count;
            }
            else
            {
                _queued2 = queued + count;
            }
        }

        /// <summary>
        /// Writes what both lines queued as one stereo stream (a line with less queued is padded with
        /// silence), so two lines in calls at once each keep their own time. Called once per loop.
        /// </summary>
        public void Flush()
        {
            int count = _queued1 > _queued2 ? _queued1 : _queued2;
            if (count == 0)
            {
                return;
            }

            for (int i = 0; i < count; i++)
            {
                short left = i < _queued1 ? _queue1[i] : (short)0;
                short right = i < _queued2 ? _queue2[i] : (short)0;
                int at = i * 4;
                _frame[at] = (byte)(left & 0xFF);
                _frame[at + 1] = (byte)((left >> 8) & 0xFF);
                _frame[at + 2] = (byte)(right & 0xFF);
                _frame[at + 3] = (byte)((right >> 8) & 0xFF);
            }

            _queued1 = 0;
            _queued2 = 0;
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
