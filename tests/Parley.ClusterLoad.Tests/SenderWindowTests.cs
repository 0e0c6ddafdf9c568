namespace Parley.ClusterLoad.Tests;

public class SenderWindowTests
{
    [Fact]
    public void Take_NeverPassesTheWindow()
    {
        var w = new SenderWindow(window: 4, receivers: 3, ackAll: false);
        Assert.Equal((1L, 4), w.Take());
        Assert.Equal((0L, 0), w.Take());
        Assert.True(w.AckUpTo(2));
        Assert.Equal((5L, 2), w.Take());
        Assert.Equal(6, w.Sent);
        Assert.Equal(2, w.Acked);
    }

    [Fact]
    public void Designated_IgnoresOldAndUnsentNumbers()
    {
        var w = new SenderWindow(4, 3, ackAll: false);
        w.Take();
        Assert.True(w.AckUpTo(3));
        Assert.False(w.AckUpTo(2));
        Assert.False(w.AckUpTo(9));
        Assert.Equal(3, w.Acked);
    }

    [Fact]
    public void All_AcknowledgesOnlyWhenEveryReceiverHasIt_InOrder()
    {
        var w = new SenderWindow(window: 2, receivers: 2, ackAll: true);
        Assert.Equal((1L, 2), w.Take());
        Assert.False(w.Delivered(2));
        Assert.False(w.Delivered(2));   // message 2 is complete, but 1 is not yet
        Assert.Equal(0, w.Acked);
        Assert.False(w.Delivered(1));
        Assert.True(w.Delivered(1));    // 1 complete: the window moves over 1 and 2
        Assert.Equal(2, w.Acked);
        Assert.Equal((3L, 2), w.Take());
        // The ring's slots were freed: message 3 needs both receivers again.
        Assert.False(w.Delivered(3));
        Assert.True(w.Delivered(3));
        Assert.Equal(3, w.Acked);
    }
}
