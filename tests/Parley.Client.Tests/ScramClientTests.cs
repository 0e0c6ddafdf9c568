namespace Parley.Client.Tests;

public sealed class ScramClientTests
{
    // RFC 7677 §3: the example exchange for user "user", password "pencil".
    [Fact]
    public void Exchange_MatchesTheRfc7677Example()
    {
        var scram = new ScramClient("user", "pencil", clientNonce: "rOprNGfwEbeRWgbNEkqO");
        Assert.Equal("n,,n=user,r=rOprNGfwEbeRWgbNEkqO", scram.ClientFirst);

        Assert.True(scram.TryClientFinal("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", out var final, out var error), error);
        Assert.Equal("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=", final);
        Assert.True(scram.VerifyServerFinal("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="));
        Assert.False(scram.VerifyServerFinal("v=AAAATRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="));
    }

    [Theory]
    [InlineData("r=someoneelse,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")]
    [InlineData("r=abc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")]
    [InlineData("r=abcdef,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=999999999")]
    [InlineData("r=abcdef,i=4096")]
    public void TryClientFinal_RejectsABadServerFirst(string serverFirst)
    {
        var scram = new ScramClient("user", "pencil", clientNonce: "abc");
        Assert.False(scram.TryClientFinal(serverFirst, out _, out _));
    }
}
