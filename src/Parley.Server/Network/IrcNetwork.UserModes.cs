namespace Parley.Server.Network;

// MODE <nick>: a user's own modes. https://modern.ircdocs.horse/#user-modes
public sealed partial class IrcNetwork
{
    /// <summary>
    /// Applies a user's changes to their own modes (see <see cref="UserModeChanges.Apply"/>).
    /// Returns the applied mode string, empty when nothing changed. Dropping o also ends the
    /// operator session.
    /// </summary>
    public string ChangeUserModes(IrcUser user, IEnumerable<(bool Add, UserModes Mode, char Letter)> changes)
    {
        lock (_gate)
        {
            var (modes, applied) = UserModeChanges.Apply(user.Modes, changes);
            if (user.IsOperator && !modes.HasFlag(UserModes.Operator))
            {
                user.OperName = null;
            }
            SetModesLocked(user, modes);
            return applied;
        }
    }
}
