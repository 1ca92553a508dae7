using Ata.Lab;

namespace Ata.Gateway.Tests.Support;

/// <summary>A Mosquitto the gateway does not run (Debian's), on a loopback port, as the external broker of <c>Broker:Url</c>.</summary>
internal static class ExternalMosquitto
{
    /// <summary>Starts it on <paramref name="port"/> with <paramref name="settings"/> lines in its config (written in <paramref name="directory"/>).</summary>
    /// <param name="directory">Where its config goes.</param>
    /// <param name="port">A free TCP port.</param>
    /// <param name="settings">Config lines: its security, its queues.</param>
    public static async Task<ManagedProcess> StartAsync(string directory, int port, string settings)
    {
        var config = Path.Combine(directory, "external.conf");
        await File.WriteAllTextAsync(config, $"listener {port} 127.0.0.1\n{settings}\nuser {Environment.UserName}\nlog_dest stderr\n");
        var broker = ManagedProcess.Start(RequiredTool.Locate("mosquitto"), ["-c", config], new ManagedProcessOptions { Name = "external-mosquitto" });
        await Eventually.TrueAsync(() => !FreePort.IsTcpAvailable(port), "the external broker listening");
        return broker;
    }
}
