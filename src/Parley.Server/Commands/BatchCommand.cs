using Parley.Protocol;
using Parley.Server.Network;
using Parley.Server.Sessions;

namespace Parley.Server.Commands;

/// <summary>
/// Client batches: draft/multiline, one PRIVMSG or NOTICE of several lines.
/// https://ircv3.net/specs/extensions/multiline
/// </summary>
/// <remarks>
/// <c>BATCH +id draft/multiline target</c> opens <see cref="Session.OpenBatch"/>; lines tagged
/// <c>batch=id</c> are taken by the read loop before dispatch (<see cref="IsBatchedLine"/>,
/// <see cref="Absorb"/>) and collected, not run as commands; <c>BATCH -id</c> checks the whole
/// and relays it as one message. Other commands meanwhile run as usual. Every error is a
/// <c>FAIL BATCH</c> sent once: the batch is then dropped, and its remaining lines and its
/// <c>BATCH -id</c> are swallowed quietly. The batch's response (echo, FAIL or ACK) carries the
/// label of its opening line.
/// </remarks>
internal static class BatchCommand
{
    /// <summary>The longest client reference tag we keep.</summary>
    private const int MaxReferenceLength = 64;

    // BATCH +<reference-tag> draft/multiline <target>
    // BATCH -<reference-tag>
    // https://ircv3.net/specs/extensions/batch  https://ircv3.net/specs/extensions/multiline
    public static ValueTask HandleAsync(Session s, IrcMessage m)
    {
        var reference = m.Parameters[0];
        if (reference.Length < 2 || reference[0] is not ('+' or '-') || !IsValidReference(reference.AsSpan(1)))
        {
            s.Fail("BATCH", "INVALID_REFTAG", reference, "Batch reference tags are 1 to 64 letters, digits, '-', '_' or '.'");
            return ValueTask.CompletedTask;
        }
        var id = reference[1..];
        if (reference[0] == '+')
        {
            Open(s, id, m);
            return ValueTask.CompletedTask;
        }
        return CloseAsync(s, id);
    }

    /// <summary>Whether the line belongs to the client's open batch (the read loop's hook).</summary>
    public static bool IsBatchedLine(Session s, IrcMessage m)
        => s.OpenBatch is { } batch && m.GetTag("batch") == batch.Id;

    /// <summary>
    /// Whether the read loop skips flood control for the line: lines of a batch still being
    /// collected, which is bounded and billed as a whole when it closes.
    /// </summary>
    public static bool SkipsFloodControl(Session s, IrcMessage m)
        => s.OpenBatch is { Failed: false } batch && m.GetTag("batch") == batch.Id;

    /// <summary>Collects one line of the open batch (see <see cref="IsBatchedLine"/>).</summary>
    public static void Absorb(Session s, IrcMessage m, bool validUtf8)
    {
        var batch = s.OpenBatch!;
        // A collected line gets no response of its own (no ACK); a FAIL it causes is the
        // batch's response and carries the batch's label.
        s.Label = null;
        if (batch.Failed)
        {
            return;
        }
        if (!validUtf8)
        {
            batch.Fail();
            s.Label = batch.Label;
            s.Fail("BATCH", "MULTILINE_INVALID", "Message rejected: it is not valid UTF-8");
            return;
        }
        var error = batch.Add(m.Command, m.Param(0), m.Param(1), m.HasTag(MultilineMessage.ConcatTag), s.Network.CaseMapping);
        if (error != MultilineBatch.Error.None)
        {
            s.Label = batch.Label;
        }
        switch (error)
        {
            case MultilineBatch.Error.Invalid:
                s.Fail("BATCH", "MULTILINE_INVALID", "Invalid multiline batch: only PRIVMSG or NOTICE, one command, text, and no blank line with draft/multiline-concat");
                break;
            case MultilineBatch.Error.InvalidTarget:
                s.Fail("BATCH", "MULTILINE_INVALID_TARGET", batch.Target, m.Param(0) ?? "*", "Invalid multiline target");
                break;
            case MultilineBatch.Error.MaxBytes:
                s.Fail("BATCH", "MULTILINE_MAX_BYTES", Invariant(MultilineBatch.MaxBytes), "Multiline batch max-bytes exceeded");
                break;
            case MultilineBatch.Error.MaxLines:
                s.Fail("BATCH", "MULTILINE_MAX_LINES", Invariant(MultilineBatch.MaxLines), "Multiline batch max-lines exceeded");
                break;
        }
    }

    /// <summary>
    /// A PRIVMSG/NOTICE/TAGMSG tagged with a batch that is not open, or the end of such a batch:
    /// refused, and the batch that
    /// is open fails with it (the client has lost track of its batches); its remaining lines and
    /// its end then pass quietly.
    /// </summary>
    public static void RejectStray(Session s)
    {
        if (s.OpenBatch is { Failed: false } open)
        {
            open.Fail();
            s.Label = open.Label ?? s.Label;
        }
        s.Fail("BATCH", "MULTILINE_INVALID", "No multiline batch open with that reference tag");
    }

    private static void Open(Session s, string id, IrcMessage m)
    {
        var previous = s.OpenBatch;
        s.OpenBatch = null;
        if (m.Param(1) != MultilineMessage.BatchType)
        {
            s.Fail("BATCH", "INVALID_PARAMS", m.Param(1) ?? "*", "Unsupported batch type");
            return;
        }
        var target = m.Param(2);
        string? problem = null;
        if (previous is { Failed: false })
        {
            problem = "A multiline batch is already open";
        }
        else if (string.IsNullOrEmpty(target) || target.Contains(','))
        {
            problem = "A multiline batch has exactly one target";
        }
        s.OpenBatch = new MultilineBatch(id, target ?? "*", MessagingCommands.ClientTags(m), s.Label);
        if (problem is not null)
        {
            // Kept, failed, so that its lines and BATCH -id pass quietly.
            s.OpenBatch.Fail();
            s.Fail("BATCH", "MULTILINE_INVALID", problem);
            return;
        }
        // No ACK now: the label is answered when the batch closes.
        s.Label = null;
    }

    private static async ValueTask CloseAsync(Session s, string id)
    {
        var batch = s.OpenBatch;
        if (batch is null || batch.Id != id)
        {
            RejectStray(s);
            return;
        }
        s.OpenBatch = null;
        if (batch.Failed)
        {
            // Already answered with a FAIL.
            return;
        }
        s.Label = batch.Label ?? s.Label;
        BillFlood(s, batch);
        if (!batch.HasText)
        {
            // "Clients MUST NOT send messages consisting entirely of blank lines."
            s.Fail("BATCH", "MULTILINE_INVALID", "A multiline message needs at least one non-blank line");
            return;
        }

        var isNotice = batch.Command == "NOTICE";
        if (!isNotice)
        {
            s.User.LastActiveAt = s.Network.Now;
        }
        if (s.Network.Link is not null && MessagingCommands.ChannelTarget(batch.Target, out var minStatus, out var channelName))
        {
            // A cluster: through the channel's grain, every node building the same batch (docs/DEVELOPING.md, "Channels across nodes").
            var result = await s.Network.SendMultilineToChannelAsync(s.User, channelName, minStatus, batch.Command!, batch.Target, batch.Lines, s.Server.NewBatchId(),
                batch.ClientTags, s.Replies, s.Has(Capability.EchoMessage));
            MessagingCommands.ReportChannelSend(s, result, channelName, isNotice, "BATCH");
            return;
        }
        var message = new MultilineMessage(
            s.User.Prefix,
            batch.Command!,
            batch.Target,
            batch.Lines,
            s.Server.NewBatchId(),
            s.Network.NowTag(),
            s.Network.NewMsgId(),
            s.User.Account,
            s.User.IsBot,
            batch.ClientTags);
        if (MessagingCommands.Deliver(s, batch.Target, message, s.Has(Capability.EchoMessage), Capability.None, quiet: isNotice) && !isNotice)
        {
            s.Numeric(Numerics.ERR_NOSUCHNICK, batch.Target, "No such nick/channel");
        }
    }

    /// <summary>
    /// The batch's lines skipped flood control as they came (a client may send a whole batch at
    /// once); it is billed now, so the client's next commands wait instead (as Ergo does).
    /// </summary>
    private static void BillFlood(Session s, MultilineBatch batch)
    {
        var lines = batch.Lines.Count;
        var bill = Math.Max(batch.Bytes / IrcLimits.MaxLineBytes + 1, lines * 60 / IrcLimits.MaxLineBytes);
        for (var i = 0; i < bill; i++)
        {
            _ = s.Flood.Take();
        }
    }

    private static bool IsValidReference(ReadOnlySpan<char> id)
    {
        if (id.Length > MaxReferenceLength)
        {
            return false;
        }
        foreach (var c in id)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('-' or '_' or '.'))
            {
                return false;
            }
        }
        return true;
    }

    private static string Invariant(int n) => n.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
