namespace Parley.ClusterLoad.Tests;

public class DesignatedReceiverTests
{
    [Theory]
    [InlineData(200, 10, 3)]
    [InlineData(1000, 5, 3)]
    [InlineData(7, 4, 3)]
    [InlineData(20, 10, 2)]
    public void EachSendersReceiver_NeverSends_AndIsOnTheNextNode(int clients, int senders, int nodes)
    {
        var receivers = FanoutRun.DesignatedReceivers(clients, senders, nodes);
        Assert.Equal(senders, receivers.Length);
        for (var s = 0; s < senders; s++)
        {
            Assert.InRange(receivers[s], senders, clients - 1);
            Assert.Equal((FanoutRun.NodeOf(s, nodes) + 1) % nodes, FanoutRun.NodeOf(receivers[s], nodes));
        }
    }

    [Fact]
    public void SendersOfOneNode_AreSpreadOverItsNextNodesReceivers()
    {
        // Senders 0, 3, 6, 9 are on node 0; their receivers on node 1 differ.
        var receivers = FanoutRun.DesignatedReceivers(200, 10, 3);
        Assert.Equal(4, new[] { receivers[0], receivers[3], receivers[6], receivers[9] }.Distinct().Count());
    }

    [Fact]
    public void OneNode_ReceiversAreOnIt()
    {
        var receivers = FanoutRun.DesignatedReceivers(200, 10, 1);
        Assert.All(receivers, r => Assert.InRange(r, 10, 199));
    }
}
