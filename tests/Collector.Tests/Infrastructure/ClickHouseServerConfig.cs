using System.Xml.Linq;

namespace Collector.Tests.Infrastructure;

/// <summary>
/// The smallest configuration 18.16 starts with: every path inside one directory, loopback only, no interserver port;
/// users <c>default</c> (no password) and <c>collector</c> (a password), both without quota limits. The table data may
/// be put elsewhere (a test's small file system).
/// </summary>
internal static class ClickHouseServerConfig
{
    public static XDocument Server(string directory, int httpPort, int tcpPort, string? dataPath = null)
    {
        string Dir(string name) => Path.Combine(directory, name) + "/";
        return new XDocument(new XElement(
            "yandex",
            new XElement(
                "logger",
                new XElement("level", "warning"),
                new XElement("log", Path.Combine(directory, "log", "server.log")),
                new XElement("errorlog", Path.Combine(directory, "log", "error.log")),
                new XElement("console", 0)),
            new XElement("http_port", httpPort),
            new XElement("tcp_port", tcpPort),
            new XElement("listen_host", "127.0.0.1"),
            new XElement("path", dataPath is null ? Dir("data") : dataPath.TrimEnd('/') + "/"),
            new XElement("tmp_path", Dir("tmp")),
            new XElement("user_files_path", Dir("user_files")),
            new XElement("format_schema_path", Dir("format_schemas")),
            new XElement("users_config", Path.Combine(directory, "users.xml")),
            new XElement("default_profile", "default"),
            new XElement("default_database", "default"),
            new XElement("timezone", "UTC"),
            new XElement("mark_cache_size", 268435456),
            new XElement("uncompressed_cache_size", 268435456),
            new XElement("max_concurrent_queries", 100)));
    }

    /// <param name="collectorReadOnly">Puts <c>collector</c> in a profile with <c>readonly = 1</c>: it may query, not insert.</param>
    public static XDocument Users(string collectorPassword, bool collectorReadOnly = false)
    {
        static XElement User(string name, string password, string profile) => new(
            name,
            new XElement("password", password),
            new XElement("networks", new XElement("ip", "127.0.0.1")),
            new XElement("profile", profile),
            new XElement("quota", "default"));

        var unlimited = new[] { "queries", "errors", "result_rows", "read_rows", "execution_time" }.Select(limit => new XElement(limit, 0));
        return new XDocument(new XElement(
            "yandex",
            new XElement("profiles", new XElement("default"), new XElement("read_only", new XElement("readonly", 1))),
            new XElement("quotas", new XElement("default", new XElement("interval", new XElement("duration", 3600), unlimited))),
            new XElement("users", User("default", string.Empty, "default"), User("collector", collectorPassword, collectorReadOnly ? "read_only" : "default"))));
    }
}
