using Ata.Lab;

namespace Ata.EndToEnd.Tests.Registration;

/// <summary>
/// A registrar played by sipp from a scenario file under <c>tests/Ata.EndToEnd.Tests/Sipp/</c>:
/// sipp answers each REGISTER as the scenario says and checks what the adapter sends
/// (<c>ereg check_it</c>); its exit code says whether every check held.
/// </summary>
public sealed class SippRegistrar : IAsyncDisposable
{
    private readonly ManagedProcess _sipp;
    private readonly string _errorFile;

    private SippRegistrar(ManagedProcess sipp, int port, string errorFile)
    {
        _sipp = sipp;
        Port = port;
        _errorFile = errorFile;
    }

    /// <summary>The UDP port sipp listens on (127.0.0.1).</summary>
    public int Port { get; }

    /// <summary>The registrar as <c>host:port</c>.</summary>
    public string Address => $"127.0.0.1:{Port}";

    /// <summary>Starts sipp as a server running <paramref name="scenario"/> once.</summary>
    public static SippRegistrar Start(string scenario)
    {
        string sipp = RequiredTool.Locate("sipp");
        string path = Path.Combine(RepoLayout.Find().Root, "tests", "Ata.EndToEnd.Tests", "Sipp", scenario);
        int port = FreePort.Udp();
        string errorFile = Path.Combine(Path.GetTempPath(), $"sipp-{port}-{Guid.NewGuid():N}.log");
        var process = ManagedProcess.Start(sipp,
            ["-sf", path, "-i", "127.0.0.1", "-p", port.ToString(), "-m", "1", "-nostdin", "-timeout", "60s",
             "-trace_err", "-error_file", errorFile],
            new ManagedProcessOptions { Name = "sipp-" + Path.GetFileNameWithoutExtension(scenario) });
        return new SippRegistrar(process, port, errorFile);
    }

    /// <summary>Waits for the scenario to end and fails with sipp's errors unless every step and check passed.</summary>
    public async Task AssertScenarioPassedAsync(TimeSpan timeout)
    {
        int exit = await _sipp.Completion.WaitAsync(timeout);
        string errors = File.Exists(_errorFile) ? await File.ReadAllTextAsync(_errorFile) : "(no error log)";
        Assert.True(exit == 0, $"sipp scenario failed (exit {exit}):\n{errors}\n{_sipp.Tail()}");
    }

    public async ValueTask DisposeAsync()
    {
        await _sipp.DisposeAsync();
        File.Delete(_errorFile);
    }
}
