namespace Parley.ClusterLoad.Tests;

public class ProcStatTests
{
    [Fact]
    public void CpuTicks_AreFields14And15_CountedAfterTheCommandName()
    {
        // The command name may hold spaces and parentheses.
        const string stat = "4242 (a (weird) name) S 1 4242 4242 0 -1 4194560 1234 0 5 0 777 333 0 0 20 0 25 0 100 1000000 2000 18446744073709551615";
        Assert.True(ProcStat.TryParseCpuTicks(stat, out var user, out var system));
        Assert.Equal((777L, 333L), (user, system));
    }

    [Theory]
    [InlineData("")]
    [InlineData("4242 (x) S 1 2")]
    public void CpuTicks_OfATruncatedLine_AreRefused(string stat) =>
        Assert.False(ProcStat.TryParseCpuTicks(stat, out _, out _));

    [Fact]
    public void OurOwnProcess_HasCpuTime() => Assert.NotNull(ProcStat.CpuSeconds(Environment.ProcessId));

    [Fact]
    public void BusyTicks_LeaveOutIdleAndIowait() =>
        Assert.Equal(1 + 2 + 3 + 6 + 7 + 8, ProcStat.ParseBusyTicks("cpu  1 2 3 4000 5000 6 7 8 9 10"));
}
