using System.Globalization;
using Collector.Bench.Report;

// Writes the generated section of bench/RESULTS.md from a bench/run-all artifacts folder and copies its charts.
//   Collector.Bench.Report <artifacts dir> <repository root> <started, unix seconds>
if (args.Length != 3)
{
    Console.Error.WriteLine("usage: Collector.Bench.Report <artifacts dir> <repository root> <started unix seconds>");
    return 2;
}

var started = DateTimeOffset.FromUnixTimeSeconds(long.Parse(args[2], CultureInfo.InvariantCulture));
var run = new RunArtifacts(args[0], args[1], started);
var resultsFile = Path.Combine(args[1], "bench", "RESULTS.md");
run.CopyCharts(Path.Combine(args[1], "bench", "results"), resultsFile);
var edgeGoals = Issue15Goals.Check(run);
var coreGoals = Issue16Goals.Check(run);
var section = new ResultsSection(run, edgeGoals, coreGoals).Render();
var existing = File.Exists(resultsFile) ? await File.ReadAllTextAsync(resultsFile) : "# Benchmark results\n";
await File.WriteAllTextAsync(resultsFile, ResultsFile.Splice(existing, section));
await File.WriteAllTextAsync(Path.Combine(run.Folder, "results-section.md"), section);
// bench/run-all prints these at its end, next to the failed steps.
await File.WriteAllLinesAsync(Path.Combine(run.Folder, "goals.txt"), edgeGoals.Select(g => g.Line));
await File.WriteAllLinesAsync(Path.Combine(run.Folder, "goals-issue16.txt"), coreGoals.Select(g => g.Line));
Console.WriteLine($"wrote the generated section of {resultsFile} ({run.Micro.Cases.Count} micro cases, {run.RateRuns.Count} rate runs, {run.EdgeRuns.Count} edge runs, {CapacityStep.ReadAll(run.Capacity).Count} capacity runs, {run.Charts.Count} charts)");
return 0;
