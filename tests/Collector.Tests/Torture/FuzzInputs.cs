using System.Globalization;
using System.IO.Compression;

namespace Collector.Tests.Torture;

/// <summary>
/// Where the fuzzers' inputs come from: valid inputs mutated the way a fuzzer starts (flips, overwrites, cuts,
/// repeats), each input from a random stream of its own made from the seed and the input's number, so that any one
/// input is made again alone, whatever ran before it. <c>COLLECTOR_FUZZ_INPUTS</c> sets how many inputs each way in
/// gets (1,500 by default; <c>torture.sh --full</c>: 35,000), <c>COLLECTOR_FUZZ_SEED</c> replaces every test's own
/// seed, and <c>COLLECTOR_FUZZ_REPLAY=n</c> runs input n alone (see <see cref="FuzzLedger.ReplayHint"/>).
/// </summary>
internal static class FuzzInputs
{
    public static int Count => Positive("COLLECTOR_FUZZ_INPUTS") ?? 1500;

    /// <summary>The seed a test runs with: its own, unless COLLECTOR_FUZZ_SEED names another.</summary>
    public static int Seed(int testSeed) =>
        int.TryParse(Environment.GetEnvironmentVariable("COLLECTOR_FUZZ_SEED"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seed) ? seed : testSeed;

    /// <summary>The numbers of the inputs to run: 0 to <paramref name="count"/> - 1, or only the one COLLECTOR_FUZZ_REPLAY names.</summary>
    public static IEnumerable<int> Numbers(int count) =>
        int.TryParse(Environment.GetEnvironmentVariable("COLLECTOR_FUZZ_REPLAY"), NumberStyles.None, CultureInfo.InvariantCulture, out var only) ? [only] : Enumerable.Range(0, count);

    /// <summary>
    /// The random stream of input <paramref name="input"/> of way in <paramref name="way"/> (a test with several ways in
    /// numbers each from 0); streams of other seeds, ways or inputs never coincide below 100,000 inputs per way.
    /// </summary>
    public static Random Random(int seed, int input, int way = 0) => new(unchecked((seed * 1_000_003) + (way * 100_000) + input));

    /// <summary>One to four byte-level mutations of <paramref name="input"/> (a new array; the input is left as it is).</summary>
    public static byte[] Mutate(Random random, byte[] input)
    {
        var bytes = new List<byte>(input);
        var steps = 1 + random.Next(4);
        for (var s = 0; s < steps; s++)
        {
            var at = bytes.Count == 0 ? 0 : random.Next(bytes.Count);
            switch (random.Next(6))
            {
                case 0 when bytes.Count > 0:
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1 when bytes.Count > 0:
                    bytes[at] = (byte)random.Next(256);
                    break;
                case 2:
                    bytes.RemoveRange(at, Math.Min(bytes.Count - at, 1 + random.Next(8)));
                    break;
                case 3:
                    bytes.InsertRange(at, Enumerable.Range(0, 1 + random.Next(8)).Select(_ => (byte)random.Next(256)));
                    break;
                case 4 when bytes.Count > 1:
                    var length = 1 + random.Next(Math.Min(16, bytes.Count - at));
                    bytes.InsertRange(at, bytes.GetRange(at, length));
                    break;
                default:
                    // Characters that matter to JSON, a NUL and a byte that is never UTF-8.
                    bytes.Insert(at, (byte)"\"{}[]:,\\\0\xff"[random.Next(10)]);
                    break;
            }
        }

        return [.. bytes];
    }

    /// <summary>One of <paramref name="choices"/>, uniformly.</summary>
    public static T Pick<T>(this Random random, IReadOnlyList<T> choices) => choices[random.Next(choices.Count)];

    /// <summary>True with probability <paramref name="p"/>.</summary>
    public static bool Chance(this Random random, double p) => random.NextDouble() < p;

    public static byte[] Gzip(byte[] plain)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest))
        {
            gzip.Write(plain);
        }

        return buffer.ToArray();
    }

    /// <summary>What <paramref name="compressed"/> inflates to, or null when it is not gzip (or a damaged one).</summary>
    public static byte[]? Gunzip(byte[] compressed)
    {
        try
        {
            using var gzip = new GZipStream(new MemoryStream(compressed), CompressionMode.Decompress);
            using var plain = new MemoryStream();
            gzip.CopyTo(plain);
            return plain.ToArray();
        }
        catch (InvalidDataException)
        {
            return null;
        }
    }

    private static int? Positive(string name) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : null;
}
