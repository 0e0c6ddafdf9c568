using System.Data.Common;
using System.Text;
using Parley.Protocol;
using Parley.Server.Security;
using Parley.Server.Sessions;

namespace Parley.Server.Commands;

/// <summary>
/// SASL: AUTHENTICATE with PLAIN (RFC 4616), SCRAM-SHA-256 (RFC 5802, RFC 7677) and EXTERNAL
/// (the TLS client certificate's fingerprint).
/// https://ircv3.net/specs/extensions/sasl-3.1 and https://ircv3.net/specs/extensions/sasl-3.2
/// </summary>
/// <remarks>
/// As Ergo: AUTHENTICATE works before registration and after it, as long as the client is not
/// logged in yet (then 907); the sasl capability is not demanded first (some clients send CAP
/// END early). Completing registration aborts an exchange in progress (906).
/// </remarks>
internal static class SaslCommands
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static void Register(CommandTable t)
        => t.Add(new("AUTHENTICATE", AuthenticateAsync, MinParams: 1, BeforeRegistration: true));

    // AUTHENTICATE <mechanism>
    // AUTHENTICATE <base64 chunk> | + | *   https://ircv3.net/specs/extensions/sasl-3.1#the-authenticate-command
    private static async ValueTask AuthenticateAsync(Session s, IrcMessage m)
    {
        var data = m.Parameters[0];
        if (s.User.Account is not null)
        {
            s.Sasl = null;
            s.Numeric(Numerics.ERR_SASLALREADY, "You have already authenticated using SASL");
            return;
        }
        if (data == "*")
        {
            s.Sasl = null;
            s.Numeric(Numerics.ERR_SASLABORTED, "SASL authentication aborted");
            return;
        }
        if (s.Sasl is not { } exchange)
        {
            Start(s, data);
            return;
        }

        byte[] response;
        switch (exchange.Add(data, out response))
        {
            case SaslExchange.ChunkResult.NeedMore:
                return;
            case SaslExchange.ChunkResult.TooLong:
                s.Sasl = null;
                s.Numeric(Numerics.ERR_SASLTOOLONG, "SASL message too long");
                return;
            case SaslExchange.ChunkResult.LimitExceeded:
                Fail(s, "SASL authentication failed: response too long");
                return;
            case SaslExchange.ChunkResult.InvalidBase64:
                Fail(s, "SASL authentication failed: invalid base64");
                return;
        }
        if (exchange.Mechanism == "PLAIN")
        {
            await PlainAsync(s, response);
        }
        else if (exchange.Mechanism == "EXTERNAL")
        {
            await ExternalAsync(s, response);
        }
        else
        {
            await ScramAsync(s, exchange, response);
        }
    }

    private static void Start(Session s, string mechanism)
    {
        mechanism = mechanism.ToUpperInvariant();
        if (mechanism is not ("PLAIN" or "SCRAM-SHA-256" or "EXTERNAL"))
        {
            s.Numeric(Numerics.RPL_SASLMECHS, Capabilities.SaslMechanisms, "are available SASL mechanisms");
            s.Numeric(Numerics.ERR_SASLFAIL, "SASL authentication failed: unknown mechanism");
            return;
        }
        s.Sasl = new SaslExchange(mechanism);
        s.Reply("AUTHENTICATE", "+");
    }

    // PLAIN: [authzid] NUL authcid NUL passwd  https://www.rfc-editor.org/rfc/rfc4616#section-2
    private static async ValueTask PlainAsync(Session s, byte[] response)
    {
        s.Sasl = null;
        if (!TryDecode(response, out var text) || text.Split('\0') is not [var authzid, var authcid, var password]
            || authcid.Length == 0 || password.Length == 0)
        {
            Fail(s, "SASL authentication failed: invalid PLAIN response");
            return;
        }
        if (authzid.Length > 0 && !s.Server.Accounts.CaseMapping.Equals(authzid, authcid))
        {
            Fail(s, "SASL authentication failed: authzid and authcid must be the same account");
            return;
        }
        var result = await AccountLogin.VerifyPasswordAsync(s, authcid, password, "PLAIN");
        Finish(s, result);
    }

    // EXTERNAL (RFC 4422 appendix A): the identity is the TLS client certificate, its SHA-256
    // fingerprint registered to an account (NickServ CERT ADD, parley account cert add). The
    // response is an optional authzid, which must then name that account.
    private static async ValueTask ExternalAsync(Session s, byte[] response)
    {
        s.Sasl = null;
        if (!TryDecode(response, out var authzid))
        {
            Fail(s, "SASL authentication failed: invalid UTF-8");
            return;
        }
        if (s.User.CertFingerprint is not { } certfp)
        {
            Fail(s, "SASL authentication failed: no client certificate (connect over TLS with one)");
            return;
        }
        Storage.AccountRecord? account;
        try
        {
            account = await s.Server.Accounts.FindByCertFpAsync(certfp);
        }
        catch (DbException ex)
        {
            AccountLogin.ReportStoreFailure(s, ex);
            Fail(s, "SASL authentication failed: internal error");
            return;
        }
        if (account is null)
        {
            Fail(s, "SASL authentication failed: this certificate is not registered to an account");
            return;
        }
        if (authzid.Length > 0 && !s.Server.Accounts.CaseMapping.Equals(authzid, account.Name))
        {
            Fail(s, "SASL authentication failed: the certificate belongs to another account");
            return;
        }
        AccountLogin.Complete(s, account.Name, "EXTERNAL", sasl: true);
    }

    private static void Finish(Session s, AccountLogin.Result result)
    {
        switch (result.Outcome)
        {
            case AccountLogin.Outcome.Ok:
                AccountLogin.Complete(s, result.Account!.Name, "SASL", sasl: true);
                break;
            case AccountLogin.Outcome.Throttled:
                Fail(s, "SASL authentication failed: " + AccountLogin.WaitText(result.Wait));
                break;
            case AccountLogin.Outcome.Error:
                Fail(s, "SASL authentication failed: internal error");
                break;
            default:
                Fail(s, "SASL authentication failed: invalid account credentials");
                break;
        }
    }

    // SCRAM-SHA-256: client-first → server-first → client-final → server-final → "+".
    private static async ValueTask ScramAsync(Session s, SaslExchange exchange, byte[] response)
    {
        if (exchange.Scram is null)
        {
            if (!TryDecode(response, out var clientFirst))
            {
                Fail(s, "SASL authentication failed: invalid UTF-8");
                return;
            }
            if (!ScramServerExchange.TryStart(clientFirst, out var scram, out var error))
            {
                Fail(s, "SASL authentication failed: " + error);
                return;
            }
            if (scram.AuthzId is not null && !s.Server.Accounts.CaseMapping.Equals(scram.AuthzId, scram.Username))
            {
                Fail(s, "SASL authentication failed: authzid and authcid must be the same account");
                return;
            }
            var wait = AccountLogin.ThrottleWait(s, scram.Username);
            if (wait > TimeSpan.Zero)
            {
                Fail(s, "SASL authentication failed: " + AccountLogin.WaitText(wait));
                return;
            }
            ScramCredentials credentials;
            try
            {
                var account = await s.Server.Accounts.GetAsync(scram.Username);
                exchange.AccountName = account?.Name;
                // An unknown user gets a challenge like any other and fails at the proof (RFC 5802 §9).
                credentials = account?.Credentials
                    ?? ScramServerExchange.FakeCredentials(s.Server.Accounts.CaseMapping.Fold(scram.Username), ScramCredentials.DefaultIterations);
            }
            catch (DbException ex)
            {
                AccountLogin.ReportStoreFailure(s, ex);
                Fail(s, "SASL authentication failed: internal error");
                return;
            }
            exchange.Scram = scram;
            SendChallenge(s, scram.Challenge(credentials, ScramServerExchange.NewNonce()));
            return;
        }
        if (!exchange.ScramVerified)
        {
            if (!TryDecode(response, out var clientFinal) || !exchange.Scram.TryFinish(clientFinal, out var serverFinal) || exchange.AccountName is null)
            {
                AccountLogin.RecordFailure(s, exchange.Scram.Username, "SCRAM-SHA-256");
                Fail(s, "SASL authentication failed: invalid account credentials");
                return;
            }
            exchange.ScramVerified = true;
            SendChallenge(s, serverFinal);
            return;
        }
        // The client checked our signature and answers with an empty response.
        s.Sasl = null;
        if (response.Length != 0)
        {
            Fail(s, "SASL authentication failed: unexpected data after the server signature");
            return;
        }
        AccountLogin.RecordSuccess(s, exchange.Scram.Username);
        AccountLogin.Complete(s, exchange.AccountName!, "SCRAM-SHA-256", sasl: true);
    }

    /// <summary>A server challenge as AUTHENTICATE lines: base64 in 400-byte chunks, "+" after an exact multiple.</summary>
    private static void SendChallenge(Session s, string challenge)
    {
        var encoded = Convert.ToBase64String(Encoding.UTF8.GetBytes(challenge));
        for (var i = 0; i < encoded.Length; i += SaslExchange.ChunkLength)
        {
            s.Reply("AUTHENTICATE", encoded.Substring(i, Math.Min(SaslExchange.ChunkLength, encoded.Length - i)));
        }
        if (encoded.Length % SaslExchange.ChunkLength == 0)
        {
            s.Reply("AUTHENTICATE", "+");
        }
    }

    private static void Fail(Session s, string text)
    {
        s.Sasl = null;
        s.Numeric(Numerics.ERR_SASLFAIL, text);
    }

    /// <summary>Ends an exchange the client left unfinished when registration completes (906).</summary>
    public static void AbortOnRegistration(Session s)
    {
        if (s.Sasl is not null)
        {
            s.Sasl = null;
            s.Numeric(Numerics.ERR_SASLABORTED, "SASL authentication aborted");
        }
    }

    private static bool TryDecode(byte[] bytes, out string text)
    {
        try
        {
            text = StrictUtf8.GetString(bytes);
            return true;
        }
        catch (DecoderFallbackException)
        {
            text = "";
            return false;
        }
    }
}
