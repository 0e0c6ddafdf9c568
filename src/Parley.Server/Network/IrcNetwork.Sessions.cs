using Parley.Server.Sessions;

namespace Parley.Server.Network;

public sealed partial class IrcNetwork
{
    /// <summary>
    /// Sends <paramref name="message"/> to the other connections logged in to
    /// <paramref name="user"/>'s account that have <paramref name="cap"/> (draft/read-marker):
    /// the user's own other connections (multiclient) but <paramref name="actor"/>, and other
    /// users logged in to the account.
    /// </summary>
    public void DeliverToOtherSessions(IrcUser user, IClientSink actor, OutboundMessage message, Capability cap)
    {
        lock (_gate)
        {
            user.Sink.DeliverExcept(actor, message, cap);
            var account = user.Account;
            if (account is null)
            {
                return;
            }
            foreach (var other in _users)
            {
                if (other != user && other.IsRegistered && other.Account is { } a && CaseMapping.Equals(a, account)
)
                {
                    other.Sink.Deliver(message, cap);
                }
            }
        }
    }
}
