using Parley.Server.Security;

namespace Parley.Server.Tests.Accounts;

public sealed class ScramTests
{
    // RFC 7677 §3: the example SCRAM-SHA-256 exchange, user "user", password "pencil".
    private const string ClientFirst = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
    private const string ServerNonce = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
    private const string ServerFirst = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    private const string ClientFinal = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    private const string ServerFinal = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

    private static ScramCredentials Pencil() => ScramCredentials.Derive("pencil", Convert.FromBase64String("W22ZaJ0SNY7soEsUEjb6gQ=="), 4096);

    [Fact]
    public void Rfc7677Example_ServerSideGivesTheSameMessages()
    {
        Assert.True(ScramServerExchange.TryStart(ClientFirst, out var exchange, out _));
        Assert.Equal("user", exchange.Username);
        Assert.Null(exchange.AuthzId);
        Assert.Equal(ServerFirst, exchange.Challenge(Pencil(), ServerNonce));
        Assert.True(exchange.TryFinish(ClientFinal, out var serverFinal));
        Assert.Equal(ServerFinal, serverFinal);
    }

    [Fact]
    public void Rfc7677Example_WrongPasswordCredentials_RejectTheProof()
    {
        var wrong = ScramCredentials.Derive("pencils", Convert.FromBase64String("W22ZaJ0SNY7soEsUEjb6gQ=="), 4096);
        Assert.True(ScramServerExchange.TryStart(ClientFirst, out var exchange, out _));
        Assert.Equal(ServerFirst, exchange.Challenge(wrong, ServerNonce));
        Assert.False(exchange.TryFinish(ClientFinal, out _));
    }

    [Theory]
    [InlineData("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k1,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=")] // nonce
    [InlineData("c=eSws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=")] // y,, binding
    [InlineData("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=AHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=")] // proof
    [InlineData("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=!!!")]
    [InlineData("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0")]
    [InlineData("")]
    public void TryFinish_TamperedClientFinal_Fails(string clientFinal)
    {
        Assert.True(ScramServerExchange.TryStart(ClientFirst, out var exchange, out _));
        exchange.Challenge(Pencil(), ServerNonce);
        Assert.False(exchange.TryFinish(clientFinal, out _));
    }

    [Fact]
    public void Credentials_VerifyThePasswordForPlain()
    {
        var c = Pencil();
        Assert.True(c.Verify("pencil"));
        Assert.False(c.Verify("Pencil"));
        Assert.False(c.Verify(""));
    }

    [Fact]
    public void Credentials_FreshSaltEachTime()
    {
        var a = ScramCredentials.Create("pencil", 4096);
        var b = ScramCredentials.Create("pencil", 4096);
        Assert.False(a.Salt.SequenceEqual(b.Salt));
        Assert.False(a.StoredKey.SequenceEqual(b.StoredKey));
        Assert.True(a.Verify("pencil") && b.Verify("pencil"));
    }

    [Theory]
    [InlineData("n,,n=us=2Cer=3D,r=abc", "us,er=", null)]
    [InlineData("n,a=bob,n=bob,r=abc", "bob", "bob")]
    [InlineData("y,,n=user,r=abc,x=ext", "user", null)]
    public void TryStart_ParsesNamesAndEscapes(string message, string username, string? authzid)
    {
        Assert.True(ScramServerExchange.TryStart(message, out var exchange, out _));
        Assert.Equal(username, exchange.Username);
        Assert.Equal(authzid, exchange.AuthzId);
    }

    [Theory]
    [InlineData("p=tls-unique,,n=user,r=abc")]
    [InlineData("x,,n=user,r=abc")]
    [InlineData("n,,m=ext,n=user,r=abc")]
    [InlineData("n,,n=,r=abc")]
    [InlineData("n,,n=us=2Xer,r=abc")]
    [InlineData("n,,n=user=,r=abc")]
    [InlineData("n,,n=user,r=")]
    [InlineData("n,,n=user")]
    [InlineData("n,b=x,n=user,r=abc")]
    [InlineData("")]
    public void TryStart_Malformed_Fails(string message)
    {
        Assert.False(ScramServerExchange.TryStart(message, out _, out var error));
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public void FakeCredentials_SameSaltForTheSameName()
    {
        var a = ScramServerExchange.FakeCredentials("nobody", 4096);
        var b = ScramServerExchange.FakeCredentials("nobody", 4096);
        var c = ScramServerExchange.FakeCredentials("someone", 4096);
        Assert.True(a.Salt.SequenceEqual(b.Salt));
        Assert.False(a.Salt.SequenceEqual(c.Salt));
    }

    [Fact]
    public void Credentials_NonAsciiPassword_IsItsUtf8Bytes()
    {
        var c = ScramCredentials.Create(new string('\u00E9', 100), 4096);
        Assert.True(c.Verify(new string('\u00E9', 100)));
        // No SASLprep (as Ergo): a decomposed form is another password.
        Assert.False(c.Verify(string.Concat(Enumerable.Repeat("e\u0301", 100))));
    }
}
