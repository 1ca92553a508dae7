using System.Collections.Concurrent;
using System.Globalization;

namespace Ata.Lab.Tests;

public sealed class ManagedProcessTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task It_waits_for_a_line_and_feeds_stdin()
    {
        await using var child = Shell("echo starting; echo ready 42; exec cat");

        var ready = await child.WaitForOutputLineAsync(line => line.StartsWith("ready", StringComparison.Ordinal), Patience);
        var echo = child.WaitForOutputLineAsync(line => line == "hello adapter", Patience, includeEarlierLines: false);
        await child.WriteLineAsync("hello adapter");
        var echoed = await echo;

        Assert.Equal("ready 42", ready);
        Assert.Equal("hello adapter", echoed);
        Assert.Equal(new[] { "starting", "ready 42", "hello adapter" }, child.StandardOutputLines);
    }

    [Fact]
    public async Task Stdout_and_stderr_are_captured_apart_and_reach_the_callbacks()
    {
        var seen = new ConcurrentQueue<string>();
        await using var child = ManagedProcess.Start(
            "/bin/sh",
            ["-c", "echo fault >&2; echo health; exec cat"],
            new ManagedProcessOptions { StandardOutputLine = line => seen.Enqueue("out:" + line), StandardErrorLine = line => seen.Enqueue("err:" + line) });

        await child.WaitForErrorLineAsync(line => line == "fault", Patience);
        await child.WaitForOutputLineAsync(line => line == "health", Patience);

        Assert.Equal(new[] { "fault" }, child.StandardErrorLines);
        Assert.Equal(new[] { "health" }, child.StandardOutputLines);
        Assert.Equal(new[] { "err:fault", "out:health" }, seen.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_wait_that_times_out_reports_the_last_40_lines()
    {
        await using var child = Shell("i=1; while [ $i -le 60 ]; do echo line $i; i=$((i+1)); done; exec cat");
        await child.WaitForOutputLineAsync(line => line == "line 60", Patience);

        var error = await Assert.ThrowsAsync<TimeoutException>(
            () => child.WaitForOutputLineAsync(line => line == "never", TimeSpan.FromMilliseconds(100)));

        Assert.Contains("line 21" + Environment.NewLine, error.Message, StringComparison.Ordinal);
        Assert.EndsWith("line 60", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("line 20" + Environment.NewLine, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wait_fails_at_once_when_the_child_exits_first()
    {
        await using var child = Shell("echo giving up; exit 3");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(
            () => child.WaitForOutputLineAsync(line => line == "never", TimeSpan.FromSeconds(30)));

        Assert.Contains("code 3", error.Message, StringComparison.Ordinal);
        Assert.Contains("giving up", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, await child.Completion);
    }

    [Fact]
    public async Task Stop_asks_politely_with_SIGTERM_first()
    {
        await using var child = Shell("trap 'echo terminated; exit 0' TERM; echo ready; while :; do sleep 0.05; done");
        await child.WaitForOutputLineAsync(line => line == "ready", Patience);

        var exitCode = await child.StopAsync();

        Assert.Equal(0, exitCode);
        Assert.Contains("terminated", child.StandardOutputLines);
    }

    [Fact]
    public async Task Dispose_kills_a_child_that_ignores_SIGTERM_and_its_children()
    {
        var child = ManagedProcess.Start(
            "/bin/sh",
            ["-c", "trap '' TERM; sleep 300 & echo $!; wait"],
            new ManagedProcessOptions { StopGracePeriod = TimeSpan.FromMilliseconds(200) });
        var grandchild = int.Parse(await child.WaitForOutputLineAsync(_ => true, Patience), CultureInfo.InvariantCulture);
        Assert.True(IsRunning(grandchild));

        await child.DisposeAsync();

        Assert.False(IsRunning(child.Id));
        Assert.False(IsRunning(grandchild));
    }

    [Fact]
    public async Task Stop_also_kills_children_left_behind_by_a_parent_that_exits_on_SIGTERM()
    {
        await using var child = Shell("sleep 300 >/dev/null 2>&1 & echo $!; trap 'exit 0' TERM; while :; do sleep 0.05; done");
        var orphan = int.Parse(await child.WaitForOutputLineAsync(_ => true, Patience), CultureInfo.InvariantCulture);

        await child.StopAsync();

        Assert.False(IsRunning(orphan));
    }

    [Fact]
    public async Task Own_session_runs_the_child_as_its_own_session_leader_with_the_same_pid()
    {
        await using var child = ManagedProcess.Start(
            "/bin/sh",
            ["-c", "echo $$ $(cut -d' ' -f6 /proc/$$/stat); exec cat"],
            new ManagedProcessOptions { OwnSession = true });

        var ids = (await child.WaitForOutputLineAsync(_ => true, Patience)).Split(' ');

        Assert.Equal(child.Id.ToString(CultureInfo.InvariantCulture), ids[0]);
        Assert.Equal(ids[0], ids[1]);
    }

    [Fact]
    public void A_missing_program_or_assembly_is_named()
    {
        var program = Assert.Throws<InvalidOperationException>(() => ManagedProcess.Start("/nonexistent/ata-adapter", []));
        var assembly = Assert.Throws<FileNotFoundException>(() => ManagedProcess.StartDotnet("/nonexistent/Ata.Sim.dll", []));

        Assert.Contains("/nonexistent/ata-adapter", program.Message, StringComparison.Ordinal);
        Assert.Contains("/nonexistent/Ata.Sim.dll", assembly.Message, StringComparison.Ordinal);
    }

    private static ManagedProcess Shell(string script) => ManagedProcess.Start("/bin/sh", ["-c", script], new ManagedProcessOptions { Name = "sh" });

    /// <summary>Whether a pid runs; a zombie (killed, not yet reaped by an init that may never reap) counts as gone.</summary>
    private static bool IsRunning(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }
}
