using System.Diagnostics;
using Ata.Gateway.Broker;
using Ata.Gateway.Tests.Support;

namespace Ata.Gateway.Tests.Broker;

public sealed class MosquittoPasswordHashTests
{
    [Fact]
    public async Task The_hash_is_the_one_mosquitto_passwd_writes()
    {
        using var directory = new TempDirectory();
        var file = Path.Combine(directory.Path, "passwd");
        await File.WriteAllTextAsync(file, string.Empty);
        // The password on its standard input (asked twice), not with -b on its command line, where ps shows it.
        var start = new ProcessStartInfo(Ata.Lab.RequiredTool.Locate("mosquitto_passwd"), [file, "ata-1"])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
        };

        using (var process = Process.Start(start)!)
        {
            await process.StandardInput.WriteAsync("pässwörd:with$signs\npässwörd:with$signs\n");
            process.StandardInput.Close();
            await process.WaitForExitAsync();
            Assert.Equal(0, process.ExitCode);
        }

        var written = (await File.ReadAllTextAsync(file)).Trim().Split(':', 2)[1];
        Assert.True(MosquittoPasswordHash.TryDecode(written, out var iterations, out var salt, out _));
        Assert.Equal(written, MosquittoPasswordHash.Create("pässwörd:with$signs", salt, iterations));
        Assert.True(MosquittoPasswordHash.Verify("pässwörd:with$signs", written));
        Assert.False(MosquittoPasswordHash.Verify("pässwörd:with$sign", written));
    }

    [Fact]
    public void Created_hashes_are_salted_and_verify()
    {
        var first = MosquittoPasswordHash.Create("device-secret");
        var second = MosquittoPasswordHash.Create("device-secret");

        Assert.StartsWith("$7$101$", first, StringComparison.Ordinal);
        Assert.NotEqual(first, second);
        Assert.True(MosquittoPasswordHash.Verify("device-secret", second));
        Assert.False(MosquittoPasswordHash.Verify("device-secreT", first));
        Assert.False(MosquittoPasswordHash.Verify("device-secret", "$6$abc$def"));
        Assert.False(MosquittoPasswordHash.Verify("device-secret", "$7$x$abc$def"));
    }
}
