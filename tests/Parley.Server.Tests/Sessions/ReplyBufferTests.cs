using System.Text;
using Parley.Protocol;
using Parley.Server.Network;
using Parley.Server.Sessions;

namespace Parley.Server.Tests.Sessions;

public sealed class ReplyBufferTests
{
    private const Capability Caps = Capability.LabeledResponse | Capability.Batch | Capability.MessageTags;

    private static List<IrcMessage> Encode(ReplyBuffer buffer, string? label)
        => [.. buffer.Encode(Caps, label, "srv", () => "lr").Select(b => IrcParser.Parse(Encoding.UTF8.GetString(b)))];

    private static ReplyBuffer OneBatch()
    {
        var buffer = new ReplyBuffer();
        buffer.Add(new OutboundMessage("n!u@h", "BATCH", "+ml", "draft/multiline", "#c"));
        buffer.Add(new OutboundMessage("n!u@h", "PRIVMSG", "#c", "a"), "ml");
        buffer.Add(new OutboundMessage("n!u@h", "PRIVMSG", "#c", "b"), "ml");
        buffer.Add(new OutboundMessage("n!u@h", "BATCH", "-ml"));
        return buffer;
    }

    [Fact]
    public void Labeled_OneBatch_LabelGoesOnItsStart_NoLabeledResponseBatch()
    {
        var lines = Encode(OneBatch(), "x");
        Assert.Equal(["BATCH", "PRIVMSG", "PRIVMSG", "BATCH"], lines.Select(m => m.Command));
        Assert.Equal("x", lines[0].GetTag("label"));
        Assert.Equal("+ml", lines[0].Parameters[0]);
        Assert.All(lines.Skip(1), m => Assert.False(m.HasTag("label")));
        Assert.Equal(["ml", "ml"], lines.Skip(1).Take(2).Select(m => m.GetTag("batch")));
    }

    [Fact]
    public void Labeled_BatchPlusAnotherReply_IsNestedInALabeledResponseBatch()
    {
        var buffer = OneBatch();
        buffer.Add(new OutboundMessage("srv", "301", "me", "you", "away"));
        var lines = Encode(buffer, "x");
        Assert.Equal(["+lr", "labeled-response"], lines[0].Parameters);
        Assert.Equal("x", lines[0].GetTag("label"));
        // The nested batch's own BATCH lines and the 301 belong to the outer batch; its lines keep theirs.
        Assert.Equal(["lr", "ml", "ml", "lr", "lr"], lines.Skip(1).Take(5).Select(m => m.GetTag("batch")));
        Assert.Equal(["-lr"], lines[^1].Parameters);
    }
}
