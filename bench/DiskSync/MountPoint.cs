using System.Globalization;

namespace Collector.Bench.DiskSync;

/// <summary>The filesystem a path is on, from /proc/self/mountinfo: the mount whose mount point is its longest prefix.</summary>
internal sealed record MountPoint(string MountedOn, string Type, string Source, string Device)
{
    public static MountPoint? Of(string path)
    {
        const string MountInfo = "/proc/self/mountinfo";
        if (!File.Exists(MountInfo))
        {
            return null;
        }

        // Symbolic links are not followed: give the probe the directory itself, as the collector gets its data dir.
        var full = Path.GetFullPath(path).TrimEnd('/');
        MountPoint? best = null;
        foreach (var line in File.ReadLines(MountInfo))
        {
            // "36 35 98:0 /root /mnt opts... - ext4 /dev/vda rw": fields before " - " are fixed, then type and source.
            var halves = line.Split(" - ", 2, StringSplitOptions.None);
            var fields = halves[0].Split(' ');
            var tail = halves.Length == 2 ? halves[1].Split(' ') : [];
            if (fields.Length < 5 || tail.Length < 2)
            {
                continue;
            }

            var mountPoint = Unescape(fields[4]);
            if (Contains(mountPoint, full) && (best is null || mountPoint.Length >= best.MountedOn.Length))
            {
                best = new MountPoint(mountPoint, tail[0], Unescape(tail[1]), fields[2]);
            }
        }

        return best;
    }

    private static bool Contains(string mountPoint, string path) =>
        string.Equals(mountPoint, "/", StringComparison.Ordinal) || string.Equals(path, mountPoint, StringComparison.Ordinal) || path.StartsWith(mountPoint + "/", StringComparison.Ordinal);

    // mountinfo escapes space, tab, newline and backslash as \ooo (octal).
    private static string Unescape(string field)
    {
        if (!field.Contains('\\', StringComparison.Ordinal))
        {
            return field;
        }

        var text = new System.Text.StringBuilder();
        for (var i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && i + 3 < field.Length && int.TryParse(field.AsSpan(i + 1, 3), NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                text.Append((char)Convert.ToInt32(field.Substring(i + 1, 3), 8));
                i += 3;
            }
            else
            {
                text.Append(field[i]);
            }
        }

        return text.ToString();
    }
}
