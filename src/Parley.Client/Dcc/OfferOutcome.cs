namespace Parley.Client.Dcc;

/// <summary>What <see cref="DirectChats.OnOffer"/> did with an offer.</summary>
public enum OfferOutcome
{
    /// <summary>Kept, waiting for <see cref="DirectChats.AcceptAsync"/>: show it to the user.</summary>
    Pending,

    /// <summary>The peer's answer to our passive offer: the connection follows by itself.</summary>
    Answer,

    /// <summary>Not taken (logged out, or too many offers pending).</summary>
    Refused,
}
