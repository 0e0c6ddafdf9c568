using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Parley.Server.Hosting;

namespace Parley.Server.Connections;

/// <summary>
/// Admits or refuses new connections: a total cap (by default just under the process's
/// descriptor limit, so clients alone never exhaust descriptors), concurrent connections per
/// address and per block, and a connect throttle per address. Exempt blocks (loopback by
/// default) skip the per-address, per-block and throttle checks. Thread-safe; every table is
/// bounded (entries exist only for connected addresses, or for addresses that connected within
/// the throttle window, and at most <see cref="MaxTracked"/> of those).
/// </summary>
public sealed class ConnectionLimiter
{
    /// <summary>At most this many throttle entries; beyond, newcomers are tracked by block.</summary>
    public const int MaxTracked = 65_536;

    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly Func<ConnectionLimitOptions> _options;
    private readonly int? _descriptorLimit;
    private readonly Dictionary<IPAddress, int> _perAddress = [];
    private readonly Dictionary<IPAddress, int> _perBlock = [];
    private readonly Dictionary<IPAddress, (long WindowStart, int Count)> _throttle = [];
    private ConnectionLimitOptions? _parsedFor;
    private IPNetwork[] _exempt = [];
    private int _total;

    /// <param name="options">The current options (read at every admission: REHASH applies at once).</param>
    /// <param name="descriptorLimit">The process's descriptor limit, or null when unknown.</param>
    public ConnectionLimiter(Func<ConnectionLimitOptions> options, TimeProvider time, int? descriptorLimit)
    {
        _options = options;
        _time = time;
        _descriptorLimit = descriptorLimit;
    }

    /// <summary>Connections admitted and not yet released.</summary>
    public int Total
    {
        get
        {
            lock (_gate)
            {
                return _total;
            }
        }
    }

    /// <summary>The total cap now in force.</summary>
    public int MaxTotal
    {
        get
        {
            var o = _options();
            if (o.MaxTotal > 0)
            {
                return o.MaxTotal;
            }
            return _descriptorLimit is { } limit ? Math.Max(1, limit - o.ReservedDescriptors) : int.MaxValue;
        }
    }

    /// <summary>Admits a connection from <paramref name="address"/> (null: not an IP connection, only the total applies).</summary>
    public Admission TryAdmit(IPAddress? address) => TryAdmit(address, throttle: true);

    /// <summary>
    /// As <see cref="TryAdmit(IPAddress?)"/>; <paramref name="throttle"/> false leaves the connect
    /// throttle out (HTTP connections: a browser opens several per page; the WebSocket that
    /// carries IRC is throttled when it upgrades, <see cref="TryThrottle"/>).
    /// </summary>
    public Admission TryAdmit(IPAddress? address, bool throttle)
    {
        var o = _options();
        var maxTotal = MaxTotal;
        lock (_gate)
        {
            if (_total >= maxTotal)
            {
                return Admission.Refused("Server is full, try again later");
            }
            if (address is null || IsExemptLocked(o, address = Normalize(address)))
            {
                _total++;
                return new Admission(this, null, null);
            }
            var addressKey = Mask(address, address.AddressFamily == AddressFamily.InterNetwork ? 32 : o.AddressPrefixV6);
            var blockKey = Mask(address, address.AddressFamily == AddressFamily.InterNetwork ? o.BlockPrefixV4 : o.BlockPrefixV6);
            if (o.MaxPerAddress > 0 && _perAddress.GetValueOrDefault(addressKey) >= o.MaxPerAddress)
            {
                return Admission.Refused("Too many connections from your address");
            }
            if (o.MaxPerBlock > 0 && _perBlock.GetValueOrDefault(blockKey) >= o.MaxPerBlock)
            {
                return Admission.Refused("Too many connections from your network");
            }
            if (throttle && o.ThrottleConnections > 0 && !ThrottleLocked(o, addressKey, blockKey))
            {
                return Admission.Refused(ThrottledReason);
            }
            _total++;
            _perAddress[addressKey] = _perAddress.GetValueOrDefault(addressKey) + 1;
            _perBlock[blockKey] = _perBlock.GetValueOrDefault(blockKey) + 1;
            return new Admission(this, addressKey, blockKey);
        }
    }

    private const string ThrottledReason = "Too many connections from your address recently, try again later";

    /// <summary>
    /// Only the connect throttle, for a connection counted already (the HTTP connection an IRC
    /// WebSocket upgrades): an admission that counts nothing, or a refusal.
    /// </summary>
    public Admission TryThrottle(IPAddress? address)
    {
        var o = _options();
        lock (_gate)
        {
            if (address is not null && o.ThrottleConnections > 0 && !IsExemptLocked(o, address = Normalize(address)))
            {
                var addressKey = Mask(address, address.AddressFamily == AddressFamily.InterNetwork ? 32 : o.AddressPrefixV6);
                var blockKey = Mask(address, address.AddressFamily == AddressFamily.InterNetwork ? o.BlockPrefixV4 : o.BlockPrefixV6);
                if (!ThrottleLocked(o, addressKey, blockKey))
                {
                    return Admission.Refused(ThrottledReason);
                }
            }
            return Admission.Uncounted(this);
        }
    }

    /// <summary>Forgets throttle windows that have ended (the server's sweeper calls this).</summary>
    public void Prune()
    {
        var window = TimeSpan.FromSeconds(_options().ThrottleSeconds);
        var now = _time.GetTimestamp();
        lock (_gate)
        {
            foreach (var (key, entry) in _throttle)
            {
                if (_time.GetElapsedTime(entry.WindowStart, now) >= window)
                {
                    _throttle.Remove(key);
                }
            }
        }
    }

    /// <summary>Throttle entries held (tests).</summary>
    internal int TrackedCount
    {
        get
        {
            lock (_gate)
            {
                return _throttle.Count;
            }
        }
    }

    private bool ThrottleLocked(ConnectionLimitOptions o, IPAddress addressKey, IPAddress blockKey)
    {
        var now = _time.GetTimestamp();
        var window = TimeSpan.FromSeconds(o.ThrottleSeconds);
        var key = _throttle.ContainsKey(addressKey) || _throttle.Count < MaxTracked ? addressKey : blockKey;
        if (!_throttle.TryGetValue(key, out var entry) || _time.GetElapsedTime(entry.WindowStart, now) >= window)
        {
            entry = (now, 0);
        }
        if (entry.Count >= o.ThrottleConnections)
        {
            return false;
        }
        _throttle[key] = (entry.WindowStart, entry.Count + 1);
        return true;
    }

    private void Release(IPAddress? addressKey, IPAddress? blockKey)
    {
        lock (_gate)
        {
            _total--;
            if (addressKey is not null)
            {
                Decrement(_perAddress, addressKey);
            }
            if (blockKey is not null)
            {
                Decrement(_perBlock, blockKey);
            }
        }
    }

    private static void Decrement(Dictionary<IPAddress, int> counts, IPAddress key)
    {
        var n = counts.GetValueOrDefault(key) - 1;
        if (n <= 0)
        {
            counts.Remove(key);
        }
        else
        {
            counts[key] = n;
        }
    }

    private bool IsExemptLocked(ConnectionLimitOptions o, IPAddress address)
    {
        if (!ReferenceEquals(o, _parsedFor))
        {
            _exempt = ParseNetworks(o.Exempt);
            _parsedFor = o;
        }
        foreach (var network in _exempt)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>CIDR blocks (a bare address is its own /32 or /128); throws FormatException naming a bad one.</summary>
    public static IPNetwork[] ParseNetworks(IEnumerable<string> blocks)
        => [.. blocks.Select(b => IPNetwork.TryParse(b, out var n) ? n
            : IPAddress.TryParse(b, out var a) ? new IPNetwork(a, a.AddressFamily == AddressFamily.InterNetwork ? 32 : 128)
            : throw new FormatException($"'{b}' is not an address block (for example 192.0.2.0/24 or 2001:db8::/32)"))];

    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    /// <summary>The address with every bit after <paramref name="prefix"/> cleared.</summary>
    public static IPAddress Mask(IPAddress address, int prefix)
    {
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out var length);
        bytes = bytes[..length];
        prefix = Math.Clamp(prefix, 0, length * 8);
        for (var i = 0; i < length; i++)
        {
            var keep = Math.Clamp(prefix - (i * 8), 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - keep));
        }
        return new IPAddress(bytes);
    }

    /// <summary>The soft RLIMIT_NOFILE from /proc/self/limits, or null where that file does not exist.</summary>
    public static int? ReadDescriptorLimit()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/limits"))
            {
                if (line.StartsWith("Max open files", StringComparison.Ordinal))
                {
                    var fields = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    return fields.Length > 0 && int.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var soft) ? soft : null;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
        return null;
    }

    /// <summary>An admitted connection (release it when the connection ends, once) or a refusal with its reason.</summary>
    public sealed class Admission
    {
        private readonly ConnectionLimiter? _limiter;
        private readonly IPAddress? _addressKey;
        private readonly IPAddress? _blockKey;
        private readonly bool _counted = true;
        private int _released;

        internal Admission(ConnectionLimiter limiter, IPAddress? addressKey, IPAddress? blockKey)
        {
            _limiter = limiter;
            _addressKey = addressKey;
            _blockKey = blockKey;
        }

        private Admission(string reason) => RefusedBecause = reason;

        internal static Admission Refused(string reason) => new(reason);

        /// <summary>Admitted, counting nothing (the connection is counted as another).</summary>
        internal static Admission Uncounted(ConnectionLimiter limiter) => new(limiter);

        private Admission(ConnectionLimiter limiter)
        {
            _limiter = limiter;
            _counted = false;
        }

        public bool Admitted => _limiter is not null;

        /// <summary>Why it was refused, or null.</summary>
        public string? RefusedBecause { get; }

        public void Release()
        {
            if (_limiter is not null && _counted && Interlocked.Exchange(ref _released, 1) == 0)
            {
                _limiter.Release(_addressKey, _blockKey);
            }
        }
    }
}
