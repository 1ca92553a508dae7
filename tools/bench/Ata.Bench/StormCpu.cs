using System.Globalization;
using System.Runtime.InteropServices;

namespace Ata.Bench;

/// <summary>
/// Where the boot storm's CPU goes: the stand-ins (this process), the broker (the gateway's Mosquitto, or
/// every node of the RabbitMQ cluster this process started: their Erlang VMs),
/// the gateway and the registrar (every Kamailio process), read from <c>/proc</c>, with the machine's
/// load average; so the bench's own cost is shown beside what it measures.
/// </summary>
internal sealed partial class StormCpu
{
    /// <summary>The nice value the stand-ins run at during the storm (the broker, gateway and registrar keep 0).</summary>
    public const int StandInsNice = 10;

    private readonly (string Name, Func<IEnumerable<int>> Pids)[] _parts;
    private double[] _last;
    private DateTime _lastAt;

    /// <param name="gatewayPid">The gateway's process.</param>
    /// <param name="cluster">Whether the broker is the RabbitMQ cluster (Erlang VMs started by this process) rather than the gateway's Mosquitto.</param>
    public StormCpu(int gatewayPid, bool cluster = false)
    {
        var self = Environment.ProcessId;
        _parts =
        [
            ("stand-ins", () => [self]),
            ("broker", cluster
                ? () => Descendants(self).Where(p => p.Name == "beam.smp").Select(p => p.Pid)
                : () => Processes().Where(p => p.Parent == gatewayPid && p.Name == "mosquitto").Select(p => p.Pid)),
            ("gateway", () => [gatewayPid]),
            ("registrar", () => Kamailio(self)),
        ];
        _last = Read();
        _lastAt = DateTime.UtcNow;
    }

    public IReadOnlyList<string> Names => [.. _parts.Select(p => p.Name)];

    /// <summary>CPU seconds of each part since the last call, and the wall seconds they span.</summary>
    public (double[] Seconds, double Wall) Take()
    {
        var now = Read();
        var at = DateTime.UtcNow;
        var used = now.Zip(_last, (a, b) => a - b).ToArray();
        var wall = (at - _lastAt).TotalSeconds;
        _last = now;
        _lastAt = at;
        return (used, wall);
    }

    /// <summary>
    /// Lowers every thread of this process (the stand-ins) to <see cref="StandInsNice"/>: on Linux a nice
    /// value is a thread's, and threads started later inherit their creator's. The broker, the gateway and
    /// the registrar then get the CPU first, as on machines of their own, and the stand-ins what is left
    /// (about a tenth of a contended core each way). Returns how many threads were lowered.
    /// </summary>
    public static int YieldToServers()
    {
        var lowered = 0;
        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            if (int.TryParse(Path.GetFileName(task), NumberStyles.None, CultureInfo.InvariantCulture, out var thread) && SetPriority(ProcessPriority, thread, StandInsNice) == 0)
            {
                lowered++;
            }
        }

        return lowered;
    }

    /// <summary>The CPU seconds the calling thread has used.</summary>
    public static double ThisThread() => CpuSeconds("/proc/thread-self/stat");

    /// <summary>User plus system CPU seconds in a <c>/proc/…/stat</c> file (clock ticks of 1/100 s).</summary>
    public static double CpuSeconds(string statFile)
    {
        var stat = File.ReadAllText(statFile);
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    /// <summary>The one-minute load average and the cores, e.g. "load 1.52 on 2 cores".</summary>
    public static string Load()
    {
        try
        {
            return $"load {File.ReadAllText("/proc/loadavg").Split(' ')[0]} on {Environment.ProcessorCount} cores";
        }
        catch (IOException)
        {
            return $"load unknown on {Environment.ProcessorCount} cores";
        }
    }

    /// <summary>Each part's share of one core over <paramref name="wall"/> seconds, e.g. "stand-ins 95 %, broker 40 %".</summary>
    public string Shares(double[] seconds, double wall) =>
        string.Join(", ", Names.Select((name, i) => $"{name} {seconds[i] / Math.Max(0.001, wall) * 100:F0} %"));

    private double[] Read() => [.. _parts.Select(p => p.Pids().Sum(Cpu))];

    private static double Cpu(int pid)
    {
        try
        {
            return CpuSeconds($"/proc/{pid}/stat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    /// <summary>Kamailio's main process (started by this one) and the workers it forked.</summary>
    private static IEnumerable<int> Kamailio(int self)
    {
        var all = Processes().Where(p => p.Name == "kamailio").ToList();
        var main = all.Where(p => p.Parent == self).Select(p => p.Pid).ToHashSet();
        return [.. main, .. all.Where(p => main.Contains(p.Parent)).Select(p => p.Pid)];
    }

    /// <summary>Every process below <paramref name="root"/> (children, their children, …).</summary>
    private static List<(int Pid, int Parent, string Name)> Descendants(int root)
    {
        var all = Processes().ToList();
        var below = new HashSet<int> { root };
        var found = new List<(int Pid, int Parent, string Name)>();
        for (var grew = true; grew;)
        {
            grew = false;
            foreach (var p in all.Where(p => below.Contains(p.Parent) && below.Add(p.Pid)))
            {
                found.Add(p);
                grew = true;
            }
        }

        return found;
    }

    private static IEnumerable<(int Pid, int Parent, string Name)> Processes()
    {
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(directory, "stat"));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }

            var open = stat.IndexOf('(');
            var close = stat.LastIndexOf(')');
            var fields = stat[(close + 2)..].Split(' ');
            yield return (pid, int.Parse(fields[1], CultureInfo.InvariantCulture), stat[(open + 1)..close]);
        }
    }

    private const int ProcessPriority = 0;

    // DllImport rather than LibraryImport: the latter needs AllowUnsafeBlocks for a call that marshals nothing.
    [DllImport("libc", EntryPoint = "setpriority", SetLastError = true)]
    private static extern int SetPriority(int which, int who, int priority);
}
