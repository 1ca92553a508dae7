using Ata.Core.Hardware;
using Ata.Core.Media;
using Ata.Core.Telephony;

namespace Ata.Core
{
    /// <summary>
    /// Each line's echo path delay: the board's value, one a measurement found or the technician stored, and the
    /// measurement itself (<see cref="EchoPathProbe"/>), which takes over the line's earpiece and microphone for
    /// half a second while its handset is off hook and no call is on the adapter.
    /// </summary>
    public sealed partial class Adapter
    {
        private readonly short[] _probeBlock = new short[FxsPort.AudioBlockSamples];
        private EchoPathProbe _probe;
        private string _probeLineState;
        private long _probeAt;

        /// <summary>
        /// Line <paramref name="line"/>'s audio path delay in samples (clamped to 0–<see cref="EchoCanceller.MaxBulkDelaySamples"/>):
        /// its calls' echo canceller looks this far back (see <see cref="UseEchoPathDelay(int)"/>).
        /// </summary>
        public void UseEchoPathDelay(int line, int samples)
        {
            if (line < 1 || line > LineCount)
            {
                return;
            }

            _calls[line - 1].EchoPathDelaySamples = samples < 0 ? 0 : (samples > EchoCanceller.MaxBulkDelaySamples ? EchoCanceller.MaxBulkDelaySamples : samples);
        }

        /// <summary>Line <paramref name="line"/>'s echo path delay in samples, as its next call's canceller will use it.</summary>
        public int EchoPathDelay(int line)
        {
            return _calls[line - 1].EchoPathDelaySamples;
        }

        /// <summary>The echo path measurement (the last one's outcome, or the one running), or null before the first.</summary>
        public EchoPathProbe EchoPathProbe
        {
            get { return _probe; }
        }

        /// <summary>
        /// Measures line <paramref name="line"/>'s echo path delay: its handset must be off hook with no call on
        /// any line. A short, soft hiss plays in the earpiece; once analysed (a few seconds) the delay found is
        /// used at once (<see cref="UseEchoPathDelay(int, int)"/>). Returns why it cannot start, or null when it started.
        /// </summary>
        public string MeasureEchoPath(int line, long now)
        {
            if (line < 1 || line > LineCount)
            {
                return "no line " + line.ToString() + " (lines are 1 to " + LineCount.ToString() + ")";
            }

            if (_probe != null && _probe.IsRunning)
            {
                return "line " + _probe.Line.ToString() + "'s echo path is being measured; wait for it";
            }

            for (int i = 0; i < LineCount; i++)
            {
                if (_calls[i].Current != null || _ports[i].Media != null || LineState.IsInCall(_ports[i].State) || _ports[i].State == LineState.Ringing)
                {
                    return "line " + (i + 1).ToString() + " is in a call or ringing; measure when every line is free";
                }
            }

            FxsPort port = _ports[line - 1];
            if (!LineState.IsOffHook(port.State))
            {
                return "line " + line.ToString() + " is on hook: lift the handset of its phone (and keep quiet), then measure";
            }

            if (_probe == null)
            {
                _probe = new EchoPathProbe();
            }

            _probeLineState = port.State;
            _probeAt = now;
            _probe.Start(line, now);
            return null;
        }

        /// <summary>Where line index <paramref name="index"/>'s tones go: nowhere while the probe owns its earpiece.</summary>
        private IAudioSink SinkFor(int index)
        {
            return _probe != null && _probe.IsListening && _probe.Line == index + 1 ? null : Audio;
        }

        /// <summary>Gives the probe the microphone audio of the line it measures; true when it took it.</summary>
        private bool ProbeHears(int line, short[] samples, int offset, int count)
        {
            if (_probe == null || !_probe.IsListening || _probe.Line != line)
            {
                return false;
            }

            _probe.Hear(samples, offset, count);
            return true;
        }

        /// <summary>Plays the probe for the time that passed, ends it when its line changed, analyses on, and uses the delay found.</summary>
        private void TickEchoPath(long now)
        {
            if (_probe == null || !_probe.IsRunning)
            {
                return;
            }

            if (_probe.IsListening)
            {
                int index = _probe.Line - 1;
                if (_ports[index].State != _probeLineState || _calls[index].Current != null)
                {
                    _probe.Abort("line " + _probe.Line.ToString() + " changed (" + _ports[index].State + ") during the measurement; measure again");
                    return;
                }

                long samples = (now - _probeAt) * (EchoPathProbe.SampleRate / 1000);
                _probeAt = now;
                while (samples > 0)
                {
                    int n = samples > _probeBlock.Length ? _probeBlock.Length : (int)samples;
                    _probe.Fill(_probeBlock, 0, n);
                    if (Audio != null)
                    {
                        Audio.Play(_probe.Line, _probeBlock, 0, n);
                    }

                    samples -= n;
                }
            }

            if (_probe.Tick(now) && _probe.State == EchoPathProbe.Measured)
            {
                UseEchoPathDelay(_probe.Line, _probe.BulkDelaySamples);
            }
        }
    }
}
