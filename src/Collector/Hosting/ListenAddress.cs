using System.Net;

namespace Collector.Host.Hosting;

/// <summary>Turns a configured url into the address Kestrel binds; only loopback unless configured otherwise.</summary>
public static class ListenAddress
{
    public static IPEndPoint Parse(string url)
    {
        var uri = new Uri(url, UriKind.Absolute);
        var host = uri.Host.Trim('[', ']');
        var address = host switch
        {
            "localhost" => IPAddress.Loopback,
            "*" or "+" or "0.0.0.0" => IPAddress.Any,
            _ => IPAddress.Parse(host),
        };
        return new IPEndPoint(address, uri.Port);
    }

    public static bool IsHttps(string url) => url.StartsWith("https://", StringComparison.OrdinalIgnoreCase);
}
