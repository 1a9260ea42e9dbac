using System.Collections.Frozen;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using Mxcp.Admin.Routes;

namespace Mxcp.Admin.Console;

/// <summary>The console's stylesheet and script, embedded in this assembly and served with an ETag (no CDN, no build step).</summary>
internal static class ConsoleAssets
{
    private static readonly FrozenDictionary<string, (byte[] Content, string Type, string ETag)> Assets = Load();

    public static IResult Serve(HttpContext http, string name)
    {
        if (!Assets.TryGetValue(name, out var asset))
        {
            return AdminErrors.NotFound($"No console asset '{name}'");
        }

        http.Response.Headers.CacheControl = "no-cache";
        http.Response.Headers.ETag = asset.ETag;
        if (http.Request.Headers.IfNoneMatch.ToString() == asset.ETag)
        {
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }

        return Results.Bytes(asset.Content, asset.Type);
    }

    private static FrozenDictionary<string, (byte[], string, string)> Load()
    {
        var assembly = typeof(ConsoleAssets).Assembly;
        var assets = new Dictionary<string, (byte[], string, string)>(StringComparer.Ordinal);
        foreach (var (name, type) in (ReadOnlySpan<(string, string)>)[("console.css", "text/css; charset=utf-8"), ("console.js", "text/javascript; charset=utf-8")])
        {
            using var stream = assembly.GetManifestResourceStream("Mxcp.Admin.Console.Assets." + name)
                ?? throw new InvalidOperationException($"The console asset {name} is missing from {assembly.GetName().Name}");
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var bytes = copy.ToArray();
            assets[name] = (bytes, type, $"\"{Convert.ToHexStringLower(SHA256.HashData(bytes))[..16]}\"");
        }

        return assets.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
