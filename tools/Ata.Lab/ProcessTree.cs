using System.Globalization;
using System.Runtime.InteropServices;

namespace Ata.Lab;

/// <summary>
/// The Linux process tree as /proc shows it, and the signals the lab sends. Descendants are
/// remembered with their start time, so a pid reused by an unrelated process is never killed.
/// </summary>
internal static class ProcessTree
{
    private const int SignalKill = 9;
    private const int SignalTerminate = 15;
    private const int SignalContinue = 18;
    private const int SignalStop = 19;

    /// <summary>Sends SIGTERM (a polite stop) to one process.</summary>
    public static void Terminate(int pid) => _ = SendSignal(pid, SignalTerminate);

    /// <summary>Freezes <paramref name="root"/> and every descendant (SIGSTOP): they stay alive but run nothing.</summary>
    public static void Freeze(int root) => SignalTree(root, SignalStop);

    /// <summary>Lets a frozen <paramref name="root"/> and its descendants run again (SIGCONT).</summary>
    public static void Thaw(int root) => SignalTree(root, SignalContinue);

    private static void SignalTree(int root, int signal)
    {
        _ = SendSignal(root, signal);
        foreach (var member in DescendantsOf(root))
        {
            _ = SendSignal(member.Pid, signal);
        }
    }

    /// <summary>Every live descendant of <paramref name="root"/>, with its start time.</summary>
    public static IReadOnlyList<Member> DescendantsOf(int root)
    {
        var children = new Dictionary<int, List<Member>>();
        if (!Directory.Exists("/proc"))
        {
            return [];
        }

        foreach (var folder in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(folder), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && TryReadStat(pid, out var stat) && stat.State != 'Z')
            {
                if (!children.TryGetValue(stat.ParentPid, out var siblings))
                {
                    children[stat.ParentPid] = siblings = [];
                }

                siblings.Add(new Member(pid, stat.StartTime));
            }
        }

        var found = new List<Member>();
        var pending = new Queue<int>([root]);
        while (pending.TryDequeue(out var parent))
        {
            foreach (var child in children.GetValueOrDefault(parent) ?? [])
            {
                found.Add(child);
                pending.Enqueue(child.Pid);
            }
        }

        return found;
    }

    /// <summary>
    /// SIGKILLs those of <paramref name="members"/> that still run (same pid, same start time) and
    /// waits, up to <paramref name="patience"/>, until they are gone.
    /// </summary>
    public static async Task KillSurvivorsAsync(IReadOnlyList<Member> members, TimeSpan patience)
    {
        var survivors = members.Where(IsStillRunning).ToList();
        foreach (var survivor in survivors)
        {
            _ = SendSignal(survivor.Pid, SignalKill);
        }

        var deadline = DateTime.UtcNow + patience;
        while (survivors.Count > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10).ConfigureAwait(false);
            survivors.RemoveAll(member => !IsStillRunning(member));
        }
    }

    private static bool IsStillRunning(Member member) =>
        TryReadStat(member.Pid, out var stat) && stat.StartTime == member.StartTime && stat.State != 'Z';

    private static bool TryReadStat(int pid, out Stat stat)
    {
        stat = default;
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }

        // "pid (comm) state ppid …": comm may hold spaces and parentheses, so fields start after the last ')'.
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        if (fields.Length < 20
            || !int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var parent)
            || !ulong.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out var started))
        {
            return false;
        }

        stat = new Stat(fields[0][0], parent, started);
        return true;
    }

    // DllImport rather than LibraryImport: the latter needs AllowUnsafeBlocks for a call that marshals nothing.
    [DllImport("libc", EntryPoint = "kill")]
    private static extern int SendSignal(int pid, int signal);

    /// <summary>A process, identified across pid reuse by its start time.</summary>
    internal readonly record struct Member(int Pid, ulong StartTime);

    private readonly record struct Stat(char State, int ParentPid, ulong StartTime);
}
