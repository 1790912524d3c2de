using System.Net;
using System.Net.Sockets;

namespace Collector.Tests.Infrastructure;

internal static class FreePort
{
    // The kernel may hand the same ephemeral port to two listeners in a row once the first is closed: a test
    // asking for a gRPC and an HTTP port would then bind both to one. Never give a port out twice in a run.
    private static readonly HashSet<int> Given = [];

    /// <summary>A loopback port that was free a moment ago and that no other caller in this test run got.</summary>
    public static int Next()
    {
        while (true)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            lock (Given)
            {
                if (Given.Add(port))
                {
                    return port;
                }
            }
        }
    }
}
