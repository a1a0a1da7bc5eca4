using System.Text.Json.Nodes;
using EhrChain.Core.Genesis;
using EhrChain.Node.Api;

namespace EhrChain.Node.Web;

/// <summary>
/// The web page's files (built into this assembly from Web/wwwroot) and the one document it needs
/// from the genesis file, mapped on the web listener only. Everything else the page does goes
/// through the public API as gRPC-Web, with the same signed requests as the CLI.
/// </summary>
internal static class WebApp
{
    private static readonly Dictionary<string, string> ContentTypes = new(StringComparer.Ordinal)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
    };

    public static void MapWebApp(this WebApplication app, WebSettings web, GenesisFile genesis)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(web);
        ArgumentNullException.ThrowIfNull(genesis);
        var files = LoadFiles();
        var network = NetworkDocument(genesis);
        var port = web.Endpoint.Port;
        app.MapGet("/", () => Results.Bytes(files["index.html"], ContentTypes[".html"])).ServedOnly(port, "web");
        app.MapGet("/network.json", () => Results.Text(network, "application/json; charset=utf-8")).ServedOnly(port, "web");
        app.MapGet("/{file}", (string file) => files.TryGetValue(file, out var bytes) && file != "index.html"
            ? Results.Bytes(bytes, ContentTypes[Path.GetExtension(file)])
            : Results.NotFound()).ServedOnly(port, "web");
    }

    /// <summary>
    /// What the page cannot get from the API: the emergency trustees a revocation escrows the next
    /// key to. It is the genesis file's, which every participant may hold; the page trusts the
    /// node that serves it for this as for its code (docs/web.md, "Trust").
    /// </summary>
    private static string NetworkDocument(GenesisFile genesis)
    {
        var trustees = new JsonArray();
        foreach (var trustee in genesis.Emergency?.Trustees ?? [])
        {
            trustees.Add(new JsonObject { ["id"] = trustee.Id, ["encryptionPublicKey"] = trustee.EncryptionKey.ToBase64() });
        }
        return new JsonObject
        {
            ["chainId"] = genesis.ChainId,
            ["genesisHash"] = genesis.Hash.ToString(),
            ["emergency"] = genesis.Emergency is { } emergency ? new JsonObject { ["threshold"] = emergency.Threshold, ["trustees"] = trustees } : null,
        }.ToJsonString();
    }

    private static Dictionary<string, byte[]> LoadFiles()
    {
        var assembly = typeof(WebApp).Assembly;
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith("web/", StringComparison.Ordinal)))
        {
            var file = name["web/".Length..];
            if (!ContentTypes.ContainsKey(Path.GetExtension(file)))
            {
                continue;
            }
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            files[file] = copy.ToArray();
        }
        return files.ContainsKey("index.html")
            ? files
            : throw new InvalidOperationException("The web page is not built into this assembly (EhrChain.Node/Web/wwwroot/index.html).");
    }
}
