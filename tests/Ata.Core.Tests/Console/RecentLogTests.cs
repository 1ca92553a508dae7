using Ata.Core.Console;

namespace Ata.Core.Tests.Console;

public sealed class RecentLogTests
{
    [Fact]
    public void Keeps_the_newest_lines_oldest_first_and_counts_what_it_dropped()
    {
        var log = new RecentLog(3);
        for (int i = 1; i <= 5; i++)
        {
            log.Add(i * 10, "line " + i);
        }

        Assert.Equal(3, log.Count);
        Assert.Equal(2, log.Dropped);
        Assert.Equal(["line 3", "line 4", "line 5"], Enumerable.Range(0, 3).Select(log.Text));
        Assert.Equal([30L, 40L, 50L], Enumerable.Range(0, 3).Select(log.Time));
    }

    [Fact]
    public void Cuts_long_lines()
    {
        var log = new RecentLog(2);
        log.Add(0, new string('x', 500));
        Assert.Equal(RecentLog.MaxLineLength, log.Text(0).Length);
        Assert.EndsWith("...", log.Text(0));
    }
}
