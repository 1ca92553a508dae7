using System.Runtime.InteropServices;

namespace Ata.Gateway.Broker;

/// <summary>Sends POSIX signals: .NET itself can only SIGKILL a child process.</summary>
internal static partial class UnixSignal
{
    /// <summary>Reload configuration.</summary>
    public const int Hangup = 1;

    /// <summary>Stop cleanly (Mosquitto saves its persistence database).</summary>
    public const int Terminate = 15;

    /// <summary>Sends <paramref name="signal"/> to process <paramref name="pid"/>.</summary>
    /// <returns>Whether the signal was delivered.</returns>
    public static bool Send(int pid, int signal) => pid > 0 && Kill(pid, signal) == 0;

    /// <summary>Whether a process with this id exists (signal 0 probes without signalling).</summary>
    public static bool Exists(int pid) => pid > 0 && (Kill(pid, 0) == 0 || Marshal.GetLastPInvokeError() == 1);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
