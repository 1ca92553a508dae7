using System.Text.Json;
using Ata.EndToEnd.Tests.Console;
using Ata.Lab;

namespace Ata.EndToEnd.Tests.Onboarding;

/// <summary>An onboarding code as the gateway issues it: the code and the CA certificate it pins.</summary>
public sealed record IssuedCode(string Code, string CaPem, string Broker, string CaFingerprint);

/// <summary>
/// What a technician does at a board that knows nothing yet, here Ata.Sim run as a board with its
/// console on a pty: it is started, and onboarded with a code from the gateway.
/// </summary>
internal static class BoardOnboarding
{
    /// <summary>Asks the gateway (as admin) for <paramref name="deviceId"/>'s onboarding code.</summary>
    public static async Task<IssuedCode> IssueAsync(FirstLightFixture lab, string deviceId)
    {
        var response = await lab.Api.PostAsync($"/api/adapters/{deviceId}/onboarding-code", null);
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        using var issued = JsonDocument.Parse(body);
        var root = issued.RootElement;
        return new IssuedCode(root.GetProperty("code").GetString()!, root.GetProperty("caPem").GetString()!,
            root.GetProperty("broker").GetString()!, root.GetProperty("caFingerprint").GetString()!);
    }

    /// <summary>Starts a board-mode simulator keeping its settings in <paramref name="store"/>; returns it with its console.</summary>
    public static async Task<(SimAdapter Sim, PtyTerminal Console)> StartAsync(FirstLightFixture lab, string store, string name)
    {
        var sim = new SimAdapter(ManagedProcess.StartDotnet(lab.Layout.SimAssembly,
            ["--console-pty", "--store", store, "--local-address", "127.0.0.1", "--events", "json"],
            new ManagedProcessOptions { Name = name }));
        string pty = (await sim.WaitForEventAsync("console-pty", _ => true)).GetProperty("detail").GetString()!;
        return (sim, new PtyTerminal(pty));
    }

    /// <summary>Types <c>onboard CODE</c>, pastes the CA and returns both answers.</summary>
    public static async Task<(string Step1, string Step2)> OnboardAsync(PtyTerminal console, IssuedCode code) =>
        (await console.CommandAsync("onboard " + code.Code), await console.CommandAsync(Pasted(code.CaPem)));

    /// <summary>A PEM block as a terminal pastes it: its lines, each ended by Enter (the last by the command's).</summary>
    public static string Pasted(string pem) => pem.Trim().ReplaceLineEndings("\r");
}
