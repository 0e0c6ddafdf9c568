using System.Text;
using Parley.Protocol;
using Parley.Server.Tests.Infrastructure;

namespace Parley.Server.Tests.Accounts;

/// <summary>Helpers for driving AUTHENTICATE from tests.</summary>
internal static class Sasl
{
    public static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));

    public static string FromB64(string s) => Encoding.UTF8.GetString(Convert.FromBase64String(s));

    /// <summary>A PLAIN response: authzid NUL authcid NUL password, base64.</summary>
    public static string Plain(string authcid, string password, string authzid = "") => B64($"{authzid}\0{authcid}\0{password}");

    /// <summary>A new connection that negotiated sasl (and <paramref name="caps"/>) and sent AUTHENTICATE mechanism; the "+" is consumed.</summary>
    public static async Task<TestClient> StartAsync(TestServer server, string mechanism = "PLAIN", string host = "127.0.0.1", params string[] caps)
    {
        var c = server.Connect(host);
        await c.SendAsync("CAP LS 302");
        await c.SendAsync("CAP REQ :" + string.Join(' ', ["sasl", .. caps]));
        await c.ExpectAsync(m => m.Command == "CAP" && m.Parameters[1] == "ACK");
        await c.SendAsync("AUTHENTICATE " + mechanism);
        var plus = await c.ReadAsync();
        Assert.Equal(["+"], plus.Parameters);
        Assert.Equal("AUTHENTICATE", plus.Command);
        return c;
    }

    /// <summary>PLAIN as jilles, then registration as <paramref name="nick"/>; returns after the welcome burst.</summary>
    public static async Task<TestClient> ConnectLoggedInAsync(TestServer server, string nick, string account, string password, params string[] caps)
    {
        var c = await StartAsync(server, "PLAIN", "127.0.0.1", caps);
        await c.SendAsync("AUTHENTICATE " + Plain(account, password));
        await c.ExpectAsync(Numerics.RPL_SASLSUCCESS);
        await c.SendAsync("NICK " + nick);
        await c.SendAsync($"USER {nick} 0 * :{nick} real");
        await c.SendAsync("CAP END");
        await c.ExpectAsync(m => m.Command is Numerics.RPL_ENDOFMOTD or Numerics.ERR_NOMOTD);
        return c;
    }

    /// <summary>The reassembled server challenge (AUTHENTICATE chunks up to a short one or "+").</summary>
    public static async Task<string> ReadChallengeAsync(TestClient c)
    {
        var sb = new StringBuilder();
        while (true)
        {
            var m = await c.ReadAsync();
            Assert.Equal("AUTHENTICATE", m.Command);
            var chunk = m.Parameters[0];
            if (chunk != "+")
            {
                sb.Append(chunk);
            }
            if (chunk.Length < 400)
            {
                return FromB64(sb.ToString());
            }
        }
    }
}
