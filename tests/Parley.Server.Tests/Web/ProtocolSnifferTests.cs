using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Parley.Server.Hosting;

namespace Parley.Server.Tests.Web;

public sealed class ProtocolSnifferTests
{
    [Theory]
    [InlineData("GET / HTTP/1.1\r\n", true, true)]
    [InlineData("HEAD /healthz HTTP/1.1\r\n", true, true)]
    [InlineData("OPTIONS * HTTP/1.1\r\n", true, true)]
    [InlineData("CAP LS 302\r\n", true, false)]
    [InlineData("NICK alice\r\n", true, false)]
    [InlineData("@label=1 PING x\r\n", true, false)]
    [InlineData("GETX / HTTP/1.1", true, false)]
    [InlineData("GE", false, false)]
    [InlineData("", false, false)]
    [InlineData("NICKNAMES", true, false)]
    public void Classify_ByTheFirstToken(string start, bool decided, bool http)
    {
        Assert.Equal(decided, ProtocolSniffer.Classify(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(start)), out var isHttp));
        Assert.Equal(http, isHttp);
    }

    [Fact]
    public async Task IsHttp_ConsumesNothing()
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync("GET / HTTP/1.1\r\n"u8.ToArray());
        Assert.True(await ProtocolSniffer.IsHttpAsync(pipe.Reader, ProtocolSniffer.Wait, TimeProvider.System, CancellationToken.None));
        var r = await pipe.Reader.ReadAsync();
        Assert.Equal("GET / HTTP/1.1\r\n", Encoding.ASCII.GetString(r.Buffer.ToArray()));
    }

    [Fact]
    public async Task IsHttp_ASilentClient_IsTakenForIrcAfterTheWait()
    {
        var time = new FakeTimeProvider();
        var pipe = new Pipe();
        var sniff = ProtocolSniffer.IsHttpAsync(pipe.Reader, ProtocolSniffer.Wait, time, CancellationToken.None);
        Assert.False(sniff.IsCompleted);
        time.Advance(ProtocolSniffer.Wait);
        Assert.False(await sniff.WaitAsync(TimeSpan.FromSeconds(10)));
    }
}
