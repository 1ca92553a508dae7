using Ata.Lab;

namespace Ata.EndToEnd.Tests.Registration;

/// <summary>
/// A registrar played by sipp from a scenario file under <c>tests/Ata.EndToEnd.Tests/Sipp/</c>:
/// sipp answers each REGISTER as the scenario says and checks what the adapter sends
/// (<c>ereg check_it</c>); its exit code says whether every check held.
/// </summary>
public sealed class SippRegistrar : IAsyncDisposable
{
    private readonly SippScenario _sipp;

    private SippRegistrar(SippScenario sipp) => _sipp = sipp;

    /// <summary>The UDP port sipp listens on (127.0.0.1).</summary>
    public int Port => _sipp.Port;

    /// <summary>The registrar as <c>host:port</c>.</summary>
    public string Address => _sipp.Address;

    /// <summary>Starts sipp as a server running <paramref name="scenario"/> once.</summary>
    public static SippRegistrar Start(string scenario) =>
        new(SippScenario.Start(Path.Combine(RepoLayout.Find().Root, "tests", "Ata.EndToEnd.Tests", "Sipp", scenario)));

    /// <summary>Waits for the scenario to end and fails with sipp's errors unless every step and check passed.</summary>
    public Task AssertScenarioPassedAsync(TimeSpan timeout) => _sipp.EnsureSucceededAsync(timeout);

    public ValueTask DisposeAsync() => _sipp.DisposeAsync();
}
