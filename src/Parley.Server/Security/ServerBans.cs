using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using Parley.Protocol;
using Parley.Server.Network;
using Parley.Server.Storage;

namespace Parley.Server.Security;

/// <summary>K-line: a <c>user@host</c> mask, checked at registration. D-line: an address or block, checked at connect.</summary>
public enum BanKind
{
    KLine,
    DLine,
}

/// <summary>One server ban; <see cref="Expires"/> null: until removed.</summary>
public sealed record ServerBan(BanKind Kind, string Mask, string Reason, string SetBy, DateTimeOffset SetAt, DateTimeOffset? Expires);

/// <summary>
/// Server bans (KLINE, DLINE), kept in <c>bans.json</c> in the data directory: every change
/// rewrites the file atomically (write, flush, rename), so a crash leaves the old list or the
/// new one. Thread-safe; expired bans are ignored and dropped at the next change.
/// </summary>
public sealed class ServerBans
{
    public const string FileName = "bans.json";

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    private readonly Lock _gate = new();
    private readonly string? _path;
    private readonly TimeProvider _time;
    private List<ServerBan> _bans;
    private (IPNetwork Network, ServerBan Ban)[] _dlines = [];

    private ServerBans(string? path, TimeProvider time, List<ServerBan> bans)
    {
        _path = path;
        _time = time;
        _bans = bans;
        Reindex();
    }

    /// <summary>Bans kept only in memory (tests, and servers without a data directory).</summary>
    public static ServerBans InMemory(TimeProvider time) => new(null, time, []);

    /// <summary>Loads <c>bans.json</c> from the data directory (none yet: empty). A damaged file is an error, not an empty list.</summary>
    public static ServerBans Load(string dataDir, TimeProvider time)
    {
        var path = Path.Combine(dataDir, FileName);
        if (!File.Exists(path))
        {
            return new ServerBans(path, time, []);
        }
        try
        {
            var bans = JsonSerializer.Deserialize<List<ServerBan>>(File.ReadAllText(path), Json) ?? [];
            return new ServerBans(path, time, bans);
        }
        catch (JsonException ex)
        {
            throw new InvalidOperationException($"the ban list '{path}' is damaged: {ex.Message}", ex);
        }
    }

    /// <summary>Bans in force of one kind, oldest first.</summary>
    public IReadOnlyList<ServerBan> List(BanKind kind)
    {
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            return [.. _bans.Where(b => b.Kind == kind && !Expired(b, now))];
        }
    }

    /// <summary>Adds (or replaces) a ban and saves the list.</summary>
    public void Add(ServerBan ban)
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            _bans = [.. _bans.Where(b => !Expired(b, now) && !(b.Kind == ban.Kind && Same(b.Mask, ban.Mask))), ban];
            SaveLocked();
        }
    }

    /// <summary>Removes a ban; false when there was none.</summary>
    public bool Remove(BanKind kind, string mask)
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            var kept = _bans.Where(b => !Expired(b, now) && !(b.Kind == kind && Same(b.Mask, mask))).ToList();
            var removed = kept.Count != _bans.Count(b => !Expired(b, now));
            _bans = kept;
            SaveLocked();
            return removed;
        }
    }

    /// <summary>The D-line covering <paramref name="address"/>, or null.</summary>
    public ServerBan? MatchAddress(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            foreach (var (network, ban) in _dlines)
            {
                if (!Expired(ban, now) && network.Contains(address))
                {
                    return ban;
                }
            }
        }
        return null;
    }

    /// <summary>
    /// The K-line matching <c>username@host</c> for the real host or the cloak (the host part
    /// may also be a CIDR block of the real address), or null.
    /// </summary>
    public ServerBan? MatchUser(string username, string realHost, string shownHost)
    {
        var now = _time.GetUtcNow();
        var address = IPAddress.TryParse(realHost, out var parsed) ? parsed : null;
        lock (_gate)
        {
            foreach (var ban in _bans)
            {
                if (ban.Kind != BanKind.KLine || Expired(ban, now))
                {
                    continue;
                }
                var at = ban.Mask.LastIndexOf('@');
                var userMask = at < 0 ? "*" : ban.Mask[..at];
                var hostMask = at < 0 ? ban.Mask : ban.Mask[(at + 1)..];
                if (!HostMask.Matches(userMask, username, CaseMapping.Ascii) && !HostMask.Matches(userMask, "~" + username, CaseMapping.Ascii))
                {
                    continue;
                }
                if (HostMask.Matches(hostMask, realHost, CaseMapping.Ascii) || HostMask.Matches(hostMask, shownHost, CaseMapping.Ascii)
                    || (address is not null && IPNetwork.TryParse(hostMask, out var block) && block.Contains(address)))
                {
                    return ban;
                }
            }
        }
        return null;
    }

    /// <summary>Whether <paramref name="mask"/> is a D-line target: an address or a CIDR block.</summary>
    public static bool TryParseDLine(string mask, out IPNetwork network)
    {
        if (IPNetwork.TryParse(mask, out network))
        {
            return true;
        }
        if (IPAddress.TryParse(mask, out var address))
        {
            network = new IPNetwork(address, address.GetAddressBytes().Length * 8);
            return true;
        }
        return false;
    }

    private static bool Expired(ServerBan ban, DateTimeOffset now) => ban.Expires is { } e && e <= now;

    private static bool Same(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    private void SaveLocked()
    {
        Reindex();
        if (_path is not null)
        {
            AtomicFile.Write(_path, JsonSerializer.Serialize(_bans, Json), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    private void Reindex()
        => _dlines = [.. _bans.Where(b => b.Kind == BanKind.DLine).Select(b => TryParseDLine(b.Mask, out var n) ? (n, b) : default).Where(x => x.b is not null)];
}
