using System.Buffers;
using System.Text;
using CsCheck;

namespace Parley.Protocol.Tests;

/// <summary>
/// Property-based fuzzing of the parser (CsCheck): random and mutated lines never make it throw,
/// and whatever it accepts serializes to a line it parses back to the same message. Bounded in
/// CI (a few seconds); set PARLEY_FUZZ_SECONDS for a longer run by hand.
/// </summary>
public sealed class ParserFuzzTests
{
    internal static int Seconds(int ci) => int.TryParse(Environment.GetEnvironmentVariable("PARLEY_FUZZ_SECONDS"), out var s) && s > 0 ? s : ci;

    /// <summary>Bytes that matter to the grammar, more often than the rest.</summary>
    private static readonly Gen<byte> InterestingByte = Gen.OneOf(
        Gen.Byte,
        Gen.OneOfConst((byte)' ', (byte)':', (byte)'@', (byte)';', (byte)'=', (byte)'\\', (byte)'!', (byte)'\r', (byte)'\n', (byte)0, (byte)'+', (byte)0xC3, (byte)0xA9, (byte)0xFF),
        Gen.Byte[(byte)'A', (byte)'z']);

    private static readonly Gen<byte[]> RandomLine = InterestingByte.Array[0, 700];

    private static readonly Gen<string> Word = Gen.String[Gen.Char["#&!@:;=\\ aAzZ09é\u0001"], 0, 12];

    /// <summary>Well-formed-ish lines built from parts, so the deep paths get exercised too.</summary>
    private static readonly Gen<byte[]> StructuredLine =
        Gen.Select(
            Gen.Select(Word, Word).Array[0, 5],
            Word,
            Gen.OneOfConst("PRIVMSG", "JOIN", "001", "TAGMSG", "CAP", "x", "1234", ""),
            Word.Array[0, 18],
            Gen.Bool)
        .Select((tags, source, verb, ps, trailing) =>
        {
            var sb = new StringBuilder();
            if (tags.Length > 0)
            {
                sb.Append('@').AppendJoin(';', tags.Select(t => t.Item2.Length > 0 ? $"{t.Item1}={t.Item2}" : t.Item1)).Append(' ');
            }
            if (source.Length > 0)
            {
                sb.Append(':').Append(source).Append(' ');
            }
            sb.Append(verb);
            foreach (var p in ps)
            {
                sb.Append(' ').Append(p);
            }
            if (trailing)
            {
                sb.Append(" :").Append(string.Join(' ', ps));
            }
            return Encoding.UTF8.GetBytes(sb.ToString());
        });

    [Fact]
    public void AnyLine_ParsesOrIsRejected_NeverThrows_AndAcceptedLinesRoundTrip()
    {
        Gen.OneOf(RandomLine, StructuredLine).Sample(line =>
        {
            if (!IrcParser.TryParse(line, out var message, out var error))
            {
                return error != ParseError.None;
            }
            var again = IrcWriter.ToBytes(message);
            // The writer ends lines with CRLF.
            if (!IrcParser.TryParse(again.AsSpan(0, again.Length - 2), out var reparsed, out _))
            {
                return false;
            }
            return reparsed.Command == message.Command
                && reparsed.Source == message.Source
                && reparsed.Parameters.SequenceEqual(message.Parameters)
                && reparsed.Tags.Select(t => (t.Key, t.Value)).SequenceEqual(message.Tags.Select(t => (t.Key, t.Value)));
        }, time: Seconds(3));
    }

    [Fact]
    public void LineFramer_AnyChunking_YieldsTheSameLinesAsWhole()
    {
        Gen.Select(InterestingByte.Array[0, 3000], Gen.Int[1, 64]).Sample((bytes, chunk) =>
        {
            static List<string> Lines(IEnumerable<byte[]> chunks)
            {
                var framer = new LineFramer(IrcLimits.MaxFramedLineBytes);
                var pending = new List<byte>();
                var lines = new List<string>();
                foreach (var c in chunks)
                {
                    pending.AddRange(c);
                    var seq = new ReadOnlySequence<byte>(pending.ToArray());
                    while (true)
                    {
                        var result = framer.TryReadLine(ref seq, out var line);
                        if (result == FrameResult.NeedMoreData)
                        {
                            break;
                        }
                        lines.Add(result == FrameResult.TooLong ? "<too long>" : Convert.ToHexString(line.ToArray()));
                    }
                    pending = [.. seq.ToArray()];
                }
                return lines;
            }
            var whole = Lines([bytes]);
            var pieces = Lines(bytes.Chunk(chunk));
            return whole.SequenceEqual(pieces);
        }, time: Seconds(3));
    }
}
