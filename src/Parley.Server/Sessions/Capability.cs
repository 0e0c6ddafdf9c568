namespace Parley.Server.Sessions;

/// <summary>The IRCv3 capabilities a client can enable, as bits so a set fits in one word.</summary>
[Flags]
public enum Capability : long
{
    None = 0,
    CapNotify = 1L << 0,
    MessageTags = 1L << 1,
    ServerTime = 1L << 2,
    EchoMessage = 1L << 3,
    Batch = 1L << 4,
    LabeledResponse = 1L << 5,
    MultiPrefix = 1L << 6,
    UserhostInNames = 1L << 7,
    ExtendedJoin = 1L << 8,
    AwayNotify = 1L << 9,
    AccountNotify = 1L << 10,
    AccountTag = 1L << 11,
    Chghost = 1L << 12,
    Setname = 1L << 13,
    InviteNotify = 1L << 14,
    ExtendedMonitor = 1L << 15,
    Multiline = 1L << 16,
    Sasl = 1L << 17,
    StandardReplies = 1L << 18,
    AccountRegistration = 1L << 19,

    // History (draft/chathistory and friends): high bits, clear of the ones other work adds.
    ChatHistory = 1L << 40,
    EventPlayback = 1L << 41,
    MessageRedaction = 1L << 42,
    ReadMarker = 1L << 43,

    /// <summary>draft/metadata-3 (user and channel metadata, subscriptions).</summary>
    Metadata = 1L << 44,

    /// <summary>The capabilities that change how a relayed message is encoded (see OutboundMessage).</summary>
    EncodingMask = MessageTags | ServerTime | AccountTag,
}
