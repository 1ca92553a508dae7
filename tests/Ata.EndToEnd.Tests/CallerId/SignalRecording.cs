using Ata.EndToEnd.Tests.Calls;
using Ata.Tests.Audio;

namespace Ata.EndToEnd.Tests.CallerId;

/// <summary>The simulator's recording of a display signal it played on line 1 (<c>caller-id</c>, <c>message-waiting-indicator</c>).</summary>
public static class SignalRecording
{
    /// <summary>The one recording of <paramref name="signal"/> in <paramref name="user"/>'s simulator's folder.</summary>
    public static WavFile Of(CallLab lab, string user, string signal = "caller-id") =>
        WavFile.Read(Directory.GetFiles(lab.Recordings(user), $"*-line1-{signal}.wav").Single());
}
