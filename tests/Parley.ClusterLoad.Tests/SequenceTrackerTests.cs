namespace Parley.ClusterLoad.Tests;

public class SequenceTrackerTests
{
    [Fact]
    public void InOrder_NoAnomaly()
    {
        var t = new SequenceTracker(receivers: 3, senders: 2);
        for (var seq = 1; seq <= 10; seq++)
        {
            Assert.True(t.Observe(1, 0, seq));
            Assert.True(t.Observe(2, 0, seq));
            Assert.True(t.Observe(2, 1, seq));
        }
        Assert.Equal((0L, 0L, (string?)null), (t.Gaps, t.OutOfOrder, t.FirstAnomaly));
    }

    [Fact]
    public void Gap_CountsTheSkippedMessages_AndNamesThePair()
    {
        var t = new SequenceTracker(3, 2);
        t.Observe(2, 1, 1);
        Assert.False(t.Observe(2, 1, 5));
        Assert.True(t.Observe(2, 1, 6));
        Assert.Equal(3, t.Gaps);
        Assert.Equal(0, t.OutOfOrder);
        Assert.Equal("gap: client 2 expected sender 1's message 2, got 5", t.FirstAnomaly);
    }

    [Fact]
    public void RepeatOrLate_IsOutOfOrder()
    {
        var t = new SequenceTracker(3, 2);
        t.Observe(0, 1, 1);
        t.Observe(0, 1, 2);
        Assert.False(t.Observe(0, 1, 2));
        Assert.False(t.Observe(0, 1, 1));
        Assert.Equal(2, t.OutOfOrder);
        Assert.Equal("out of order: client 0 got sender 1's message 2 after 2", t.FirstAnomaly);
    }

    [Fact]
    public void PairsAreIndependent()
    {
        var t = new SequenceTracker(2, 2);
        t.Observe(0, 0, 1);
        t.Observe(1, 0, 1);
        t.Observe(0, 1, 1);
        Assert.True(t.Observe(0, 0, 2));
        Assert.True(t.Observe(1, 1, 1));
        Assert.Equal(0, t.Gaps + t.OutOfOrder);
    }

    [Fact]
    public void Missing_CountsWhatEachReceiverLacks_ButNotTheSendersOwn()
    {
        // Senders 0 and 1 are clients 0 and 1; client 2 only receives.
        var t = new SequenceTracker(3, 2);
        for (var seq = 1; seq <= 4; seq++)
        {
            t.Observe(1, 0, seq);
            t.Observe(2, 0, seq);
            t.Observe(0, 1, seq);
        }
        t.Observe(2, 1, 1);
        // sender 1 sent 4: client 2 lacks 3 of them; sender 0 sent 5: clients 1 and 2 lack one each.
        Assert.Equal(5, t.Missing([5, 4], s => s));
    }
}
