using System.Collections.Frozen;
using System.Reflection;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.StaticFiles;

namespace Parley.Server.Web;

/// <summary>
/// The web client's files, embedded in the server assembly under the logical names
/// <c>web/&lt;relative path&gt;</c> (the build of <c>web/</c> puts them there), served at
/// <c>/&lt;relative path&gt;</c>, <c>index.html</c> at <c>/</c>. Read once at start-up.
/// </summary>
/// <remarks>
/// Caching: a file whose name carries a content hash (<c>app-5HDT2ZKQ.js</c>: a dash or dot,
/// then 8 or more letters and digits with at least one digit or capital, before the
/// extension) never changes under that name, so it may be kept a year; anything else
/// (<c>index.html</c>) is revalidated on every use with its ETag. Immutable after construction:
/// safe from any thread.
/// </remarks>
public sealed class WebAssets
{
    public const string ResourcePrefix = "web/";
    public const string ImmutableCacheControl = "public, max-age=31536000, immutable";
    public const string RevalidateCacheControl = "no-cache";

    private readonly FrozenDictionary<string, Asset> _assets;

    public sealed record Asset(string Path, byte[] Content, string ContentType, string ETag, bool Hashed);

    public WebAssets(Assembly assembly)
    {
        var types = new FileExtensionContentTypeProvider();
        var assets = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames())
        {
            var path = name.Replace('\\', '/');
            if (!path.StartsWith(ResourcePrefix, StringComparison.Ordinal) || path.Length == ResourcePrefix.Length)
            {
                continue;
            }
            path = path[ResourcePrefix.Length..];
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var content = copy.ToArray();
            var type = types.TryGetContentType(path, out var t) ? t : "application/octet-stream";
            if (type.StartsWith("text/", StringComparison.Ordinal) || type is "application/javascript" or "text/javascript" or "application/json" or "image/svg+xml" or "application/manifest+json")
            {
                type += "; charset=utf-8";
            }
            var etag = "\"" + Convert.ToHexStringLower(SHA256.HashData(content).AsSpan(0, 12)) + "\"";
            assets[path] = new Asset(path, content, type, etag, IsHashedName(path));
        }
        _assets = assets.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>The assets of the server assembly (where the web build embeds them).</summary>
    public static WebAssets FromServerAssembly() => new(typeof(WebAssets).Assembly);

    /// <summary>Whether the web client was built into this server (an index.html is embedded).</summary>
    public bool HasClient => _assets.ContainsKey("index.html");

    public int Count => _assets.Count;

    /// <summary>
    /// The asset for a request path: <c>/</c> and a directory are its index.html; an unknown
    /// path without an extension is the client's index.html too (its own routes).
    /// </summary>
    public Asset? Find(string requestPath)
    {
        var path = requestPath.TrimStart('/');
        if (path.Length == 0 || path.EndsWith('/'))
        {
            path += "index.html";
        }
        if (_assets.TryGetValue(path, out var asset))
        {
            return asset;
        }
        var last = path[(path.LastIndexOf('/') + 1)..];
        return !last.Contains('.', StringComparison.Ordinal) && _assets.TryGetValue("index.html", out var index) ? index : null;
    }

    private static readonly System.Buffers.SearchValues<char> NotInAHost = System.Buffers.SearchValues.Create(" ;,'\"\r\n");

    /// <summary>
    /// What the web client's pages may load and do: its own scripts, styles and images only (no
    /// inline script, nothing from elsewhere), a WebSocket back to where it was loaded from, no
    /// plugins, forms or &lt;base&gt;, and never inside another site's frame (clickjacking). The
    /// ws:/wss: sources name the page's own host too, for browsers whose 'self' does not cover
    /// WebSocket schemes.
    /// </summary>
    public static string ContentSecurityPolicy(string? host)
    {
        var socket = string.IsNullOrEmpty(host) || host.AsSpan().ContainsAny(NotInAHost) ? "" : $" ws://{host} wss://{host}";
        return "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; manifest-src 'self'; "
            + $"connect-src 'self'{socket}; base-uri 'none'; form-action 'none'; object-src 'none'; frame-ancestors 'none'";
    }

    /// <summary>Serves one asset (GET or HEAD), with its type, caching headers and 304 on a matching ETag.</summary>
    public static async Task ServeAsync(HttpContext context, Asset asset)
    {
        var response = context.Response;
        response.Headers.ETag = asset.ETag;
        response.Headers.CacheControl = asset.Hashed ? ImmutableCacheControl : RevalidateCacheControl;
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy(context.Request.Host.Value);
        // For browsers older than CSP's frame-ancestors: no page of ours inside another's frame.
        response.Headers.XFrameOptions = "DENY";
        if (context.Request.Headers.IfNoneMatch.ToString() is { Length: > 0 } match
            && (match == "*" || match.Split(',', StringSplitOptions.TrimEntries).Contains(asset.ETag)))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }
        response.ContentType = asset.ContentType;
        response.ContentLength = asset.Content.Length;
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return;
        }
        await response.Body.WriteAsync(asset.Content, context.RequestAborted);
    }

    /// <summary>Whether a file name carries a content hash (see the remarks).</summary>
    public static bool IsHashedName(string path)
    {
        var name = path[(path.LastIndexOf('/') + 1)..];
        var dot = name.LastIndexOf('.');
        var stem = dot > 0 ? name[..dot] : name;
        var cut = stem.LastIndexOfAny(['-', '.']);
        if (cut < 0)
        {
            return false;
        }
        var hash = stem[(cut + 1)..];
        return hash.Length >= 8 && hash.All(char.IsAsciiLetterOrDigit) && hash.Any(c => char.IsAsciiDigit(c) || char.IsAsciiLetterUpper(c));
    }
}
