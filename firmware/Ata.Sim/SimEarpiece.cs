using Ata.Core.Hardware;

namespace Ata.Sim;

/// <summary>What each line's earpiece plays: recorded (<c>--tones-wav</c>) and heard by the phone on the line (its microphone's <see cref="SimMicrophone.Hear"/>).</summary>
internal sealed class SimEarpiece(IAudioSink recorder, SimMicrophone[] microphones) : IAudioSink
{
    public void Play(int line, short[] samples, int offset, int count)
    {
        recorder.Play(line, samples, offset, count);
        microphones[line - 1].Hear(samples, offset, count);
    }
}
