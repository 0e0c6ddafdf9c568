using System.Globalization;
using Parley.Protocol;
using Parley.Server.Network;
using Parley.Server.Sessions;

namespace Parley.Server.Commands;

/// <summary>
/// draft/metadata-3: key/value metadata on users and channels, with subscriptions.
/// https://ircv3.net/specs/extensions/metadata
/// </summary>
/// <remarks>
/// Replies follow the spec, and where the spec and irctest's <c>metadata_3.py</c> part, what
/// irctest expects and Ergo does: a cleared key is answered with 766 RPL_KEYNOTSET, a value
/// refused for its length with <c>FAIL METADATA INVALID_VALUE</c> (the spec's VALUE_INVALID),
/// and notifications, JOIN and SYNC carry 761 RPL_KEYVALUE lines rather than METADATA messages.
/// </remarks>
internal static class MetadataCommands
{
    public const string BatchType = "metadata";
    public const string SubsBatchType = "metadata-subs";

    public static void Register(CommandTable t)
        // before-connect: a client may set its metadata and subscribe during registration.
        => t.Add(new("METADATA", HandleAsync, MinParams: 2, BeforeRegistration: true));

    // METADATA <target> <subcommand> [<param> ...]
    // https://ircv3.net/specs/extensions/metadata#metadata-client-command
    private static async ValueTask HandleAsync(Session s, IrcMessage m)
    {
        var target = m.Parameters[0];
        // A key never holds a space, so a key list is split on spaces wherever it is: the parser
        // makes the 15th parameter the rest of the line (RFC 1459), and some clients send the
        // list as one trailing parameter.
        var keys = m.Parameters.Skip(2).SelectMany(p => p.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
        switch (m.Parameters[1].ToUpperInvariant())
        {
            case "GET" when keys.Count > 0:
                Get(s, target, keys);
                break;
            case "LIST":
                List(s, target);
                break;
            case "SET" when m.Parameters.Count > 2:
                await SetAsync(s, target, m.Parameters[2], m.Parameters.Count > 3 ? m.Parameters[3] : null);
                break;
            case "CLEAR":
                await ClearAsync(s, target);
                break;
            case "SUB" when keys.Count > 0:
                Sub(s, keys);
                break;
            case "UNSUB" when keys.Count > 0:
                Unsub(s, keys);
                break;
            case "SUBS":
                Subs(s);
                break;
            case "SYNC":
                Sync(s, target);
                break;
            case "GET" or "SET" or "SUB" or "UNSUB":
                s.Numeric(Numerics.ERR_NEEDMOREPARAMS, "METADATA", "Not enough parameters");
                break;
            default:
                s.Fail("METADATA", "SUBCOMMAND_INVALID", ReplyLines.SafeParam(m.Parameters[1]), "invalid subcommand");
                break;
        }
    }

    // METADATA <target> GET <key> [<key> ...]: one reply per key, in order, in a metadata batch.
    private static void Get(Session s, string target, List<string> keys)
    {
        var view = s.Network.ReadMetadata(s.User, target);
        if (Failed(s, view.Error, view.Target, "*"))
        {
            return;
        }
        var values = view.Values.ToDictionary(StringComparer.Ordinal);
        var batch = OpenBatch(s, BatchType, view.Target);
        foreach (var key in keys)
        {
            if (!MetadataLimits.IsValidKey(key))
            {
                s.Reply(s.Network.FromServer("FAIL", "METADATA", "KEY_INVALID", ReplyLines.SafeParam(key), "invalid key"), batch);
            }
            else if (values.TryGetValue(key, out var value))
            {
                s.Reply(KeyValue(s, view.Target, key, value), batch);
            }
            else
            {
                s.Reply(KeyNotSet(s, view.Target, key), batch);
            }
        }
        CloseBatch(s, batch);
    }

    // METADATA <target> LIST: every key set, in a metadata batch.
    private static void List(Session s, string target)
    {
        var view = s.Network.ReadMetadata(s.User, target);
        if (Failed(s, view.Error, view.Target, "*"))
        {
            return;
        }
        var batch = OpenBatch(s, BatchType, view.Target);
        foreach (var (key, value) in view.Values)
        {
            s.Reply(KeyValue(s, view.Target, key, value), batch);
        }
        CloseBatch(s, batch);
    }

    // METADATA <target> SET <key> [:<value>]: without a value the key is removed.
    private static async ValueTask SetAsync(Session s, string target, string key, string? value)
    {
        if (!MetadataLimits.IsValidKey(key))
        {
            s.Fail("METADATA", "KEY_INVALID", ReplyLines.SafeParam(key), "invalid key");
            return;
        }
        if (value is not null && !MetadataLimits.IsValidValue(value))
        {
            s.Fail("METADATA", "INVALID_VALUE", key,
                string.Create(CultureInfo.InvariantCulture, $"value is too long (at most {MetadataLimits.MaxValueBytes} bytes)"));
            return;
        }
        if (IsSelf(s, target) && !TakeChange(s, target, key))
        {
            return;
        }
        var (error, name) = await s.Network.SetMetadataAsync(s.User, s, target, key, value, s.Replies);
        if (Failed(s, error, name, key))
        {
            return;
        }
        s.Reply(value is null ? KeyNotSet(s, name, key) : KeyValue(s, name, key, value));
    }

    // METADATA <target> CLEAR: every key removed; one 766 per key, in a metadata batch.
    private static async ValueTask ClearAsync(Session s, string target)
    {
        if (IsSelf(s, target) && !TakeChange(s, target, "*"))
        {
            return;
        }
        var (error, name, cleared) = await s.Network.ClearMetadataAsync(s.User, s, target, s.Replies);
        if (Failed(s, error, name, "*"))
        {
            return;
        }
        var batch = OpenBatch(s, BatchType, name);
        foreach (var key in cleared)
        {
            s.Reply(KeyNotSet(s, name, key), batch);
        }
        CloseBatch(s, batch);
    }

    // METADATA * SUB <key> [<key> ...]: keys in order until the list is full (the target is
    // ignored: subscriptions are the connection's). 770 for every key subscribed to, then the
    // newly subscribed keys' current values, or 774 for channels with too many to send now.
    private static void Sub(Session s, List<string> keys)
    {
        var invalid = keys.Where(k => !MetadataLimits.IsValidKey(k)).ToList();
        var result = s.Network.SubscribeMetadata(s.User, s, [.. keys.Where(MetadataLimits.IsValidKey)]);
        s.HasMetadataSubscriptions |= result.Subscribed.Count > 0;
        foreach (var line in KeyLines(s, result.Subscribed))
        {
            s.Numeric(Numerics.RPL_METADATASUBOK, line);
        }
        // Keys after the one that did not fit were not processed: an invalid key among them is not reported.
        var processed = result.TooMany is { } full ? keys.TakeWhile(k => k != full).ToHashSet(StringComparer.Ordinal) : null;
        foreach (var key in invalid.Where(k => processed is null || processed.Contains(k)))
        {
            s.Fail("METADATA", "KEY_INVALID", ReplyLines.SafeParam(key), "invalid key");
        }
        if (result.TooMany is { } first)
        {
            s.Fail("METADATA", "TOO_MANY_SUBS", first, "too many subscriptions");
        }
        foreach (var e in result.Current)
        {
            s.Reply(s.Network.FromServer(Numerics.RPL_KEYVALUE, s.Nick, e.Target, e.Key, "*", e.Value));
        }
        foreach (var channel in result.SyncLater)
        {
            s.Numeric(Numerics.RPL_METADATASYNCLATER, channel);
        }
    }

    // METADATA * UNSUB <key> [<key> ...]: 771 for every valid key, subscribed to or not.
    private static void Unsub(Session s, List<string> keys)
    {
        var valid = keys.Where(MetadataLimits.IsValidKey).ToList();
        s.Network.UnsubscribeMetadata(s, valid);
        foreach (var line in KeyLines(s, valid))
        {
            s.Numeric(Numerics.RPL_METADATAUNSUBOK, line);
        }
        foreach (var key in keys.Where(k => !MetadataLimits.IsValidKey(k)))
        {
            s.Fail("METADATA", "KEY_INVALID", ReplyLines.SafeParam(key), "invalid key");
        }
    }

    // METADATA * SUBS: the subscriptions in a metadata-subs batch of 772 lines.
    private static void Subs(Session s)
    {
        var batch = OpenBatch(s, SubsBatchType);
        foreach (var line in KeyLines(s, s.Network.MetadataSubscriptions(s)))
        {
            s.Reply(s.Network.FromServer(Numerics.RPL_METADATASUBS, [s.Nick, .. line]), batch);
        }
        CloseBatch(s, batch);
    }

    // METADATA <target> SYNC: the subscribed keys' values of the target (and a channel's members).
    private static void Sync(Session s, string target)
    {
        var result = s.Network.SyncMetadata(s.User, s, target);
        if (Failed(s, result.Error, result.Target, "*"))
        {
            return;
        }
        SendEntries(s, result.Target, result.Entries);
    }

    /// <summary>
    /// After a JOIN (once NAMES is sent): the channel's and its members' values the joiner
    /// subscribes to; members who did not share a channel with the joiner learn its values
    /// (<paramref name="announce"/>: not when a multiclient connection is shown its user's channels).
    /// </summary>
    public static void SendOnJoin(Session s, string channel, bool announce = true)
    {
        var hasCap = s.Has(Capability.Metadata);
        // The owning session may read its own user's fields without the lock: with no metadata
        // and no subscriptions (the common case) there is nothing to tell or to ask Network.
        if ((s.User.Metadata is null || !announce) && (!s.HasMetadataSubscriptions || !hasCap))
        {
            if (hasCap)
            {
                SendEntries(s, channel, []);
            }
            return;
        }
        var result = s.Network.MetadataOnJoin(s.User, s, channel, announce, sync: hasCap);
        if (!hasCap)
        {
            return;
        }
        if (result.Error != MetadataError.None)
        {
            return;
        }
        if (result.Later)
        {
            s.Numeric(Numerics.RPL_METADATASYNCLATER, result.Target);
            return;
        }
        SendEntries(s, result.Target, result.Entries);
    }

    /// <summary>In the registration burst: the client's own metadata (set before registration), always as a batch.</summary>
    public static void SendOwn(Session s)
    {
        if (!s.Has(Capability.Metadata))
        {
            return;
        }
        var view = s.Network.ReadMetadata(s.User, "*");
        var batch = OpenBatch(s, BatchType, s.Nick);
        foreach (var (key, value) in view.Values)
        {
            s.Reply(KeyValue(s, s.Nick, key, value), batch);
        }
        CloseBatch(s, batch);
    }

    /// <summary>In a WHOIS reply to a client with the capability: 760 for each of the target's keys.</summary>
    public static void SendWhois(Session s, string nick)
    {
        if (!s.Has(Capability.Metadata))
        {
            return;
        }
        var view = s.Network.ReadMetadata(s.User, nick);
        foreach (var (key, value) in view.Values)
        {
            s.Numeric(Numerics.RPL_WHOISKEYVALUE, view.Target, key, "*", value);
        }
    }

    /// <summary>After MONITOR +: the values the client subscribes to of the targets online.</summary>
    public static void SendForMonitor(Session s, IEnumerable<IrcUser> online)
    {
        if (!s.Has(Capability.Metadata))
        {
            return;
        }
        foreach (var e in s.Network.SubscribedMetadataOf(s, online))
        {
            s.Reply(s.Network.FromServer(Numerics.RPL_KEYVALUE, s.Nick, e.Target, e.Key, "*", e.Value));
        }
    }

    // --- helpers ----------------------------------------------------------------------------

    private static void SendEntries(Session s, string target, IReadOnlyList<MetadataEntry> entries)
    {
        var batch = OpenBatch(s, BatchType, target);
        foreach (var e in entries)
        {
            s.Reply(KeyValue(s, e.Target, e.Key, e.Value), batch);
        }
        CloseBatch(s, batch);
    }

    /// <summary>
    /// Keys as the parameters of 770/771/772 lines: each line within 512 bytes and at most
    /// <see cref="KeysPerLine"/> keys, so with the nick it keeps to 15 parameters (RFC 1459
    /// parsers join everything from the 15th on).
    /// </summary>
    private static IEnumerable<string[]> KeyLines(Session s, IEnumerable<string> keys)
        => ReplyLines.Pack(keys, ReplyLines.Budget(s))
            .SelectMany(line => line.Split(' ').Chunk(KeysPerLine));

    private const int KeysPerLine = 14;

    private static bool IsSelf(Session s, string target)
        => target == "*" || s.Network.CaseMapping.Equals(target, s.Nick);

    /// <summary>The rate limit on changes to one's own metadata (FAIL RATE_LIMITED with the wait).</summary>
    private static bool TakeChange(Session s, string target, string key)
    {
        if (!s.Throttled || s.MetadataChanges.TryTake(out var wait))
        {
            return true;
        }
        s.Fail("METADATA", "RATE_LIMITED", ReplyLines.SafeParam(target), key, RegistrationCommands.Seconds(wait),
            $"too many changes, try again in {RegistrationCommands.Seconds(wait)} seconds");
        return false;
    }

    /// <summary>The FAIL for a Network refusal; false when there was none.</summary>
    private static bool Failed(Session s, MetadataError error, string target, string key)
    {
        switch (error)
        {
            case MetadataError.None:
                return false;
            case MetadataError.InvalidTarget:
                s.Fail("METADATA", "INVALID_TARGET", ReplyLines.SafeParam(target), "invalid metadata target");
                return true;
            case MetadataError.NoPermission:
                s.Fail("METADATA", "KEY_NO_PERMISSION", target, key, "permission denied");
                return true;
            case MetadataError.KeyNotSet:
                s.Fail("METADATA", "KEY_NOT_SET", target, key, "key not set");
                return true;
            case MetadataError.LimitReached:
                s.Fail("METADATA", "LIMIT_REACHED", target,
                    string.Create(CultureInfo.InvariantCulture, $"metadata limit reached ({MetadataLimits.MaxKeys} keys)"));
                return true;
            case MetadataError.Unavailable:
                ChannelUnavailable.Fail(s, "METADATA", target, key);
                return true;
            default:
                throw new ArgumentOutOfRangeException(nameof(error), error, null);
        }
    }

    private static OutboundMessage KeyValue(Session s, string target, string key, string value)
        => s.Network.FromServer(Numerics.RPL_KEYVALUE, s.Nick, target, key, "*", value);

    private static OutboundMessage KeyNotSet(Session s, string target, string key)
        => s.Network.FromServer(Numerics.RPL_KEYNOTSET, s.Nick, target, key, "key not set");

    /// <summary>Starts a batch when the client has the batch capability (the spec's MUST; without it, the lines alone).</summary>
    private static string? OpenBatch(Session s, string type, params string[] parameters)
    {
        if (!s.Has(Capability.Batch))
        {
            return null;
        }
        var id = s.Server.NewBatchId();
        s.Reply(new OutboundMessage(s.Server.Name, "BATCH", ["+" + id, type, .. parameters]));
        return id;
    }

    private static void CloseBatch(Session s, string? id)
    {
        if (id is not null)
        {
            s.Reply(new OutboundMessage(s.Server.Name, "BATCH", "-" + id));
        }
    }
}
