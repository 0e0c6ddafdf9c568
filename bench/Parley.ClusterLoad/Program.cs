using Parley.ClusterLoad;

// parley-clusterload: channel fan-out across a cluster's nodes (bench/cluster-fanout.sh).
if (args.Length == 0 || args is ["--help"] or ["-h"])
{
    Console.Error.WriteLine(LoadOptions.Usage);
    return args.Length == 0 ? 2 : 0;
}
if (!LoadOptions.TryParse(args, out var options, out var error))
{
    Console.Error.WriteLine($"parley-clusterload: {error}");
    return 2;
}
RunReport report;
try
{
    report = await new FanoutRun(options!).RunAsync();
}
catch (SetupException ex)
{
    Console.Error.WriteLine($"parley-clusterload: setup failed: {ex.Message}");
    return 3;
}
using (var stdout = Console.OpenStandardOutput())
{
    report.WriteJson(stdout);
    stdout.Write("\n"u8);
}
if (!report.Clean)
{
    FanoutRun.Log($"NOT CLEAN: gaps {report.Gaps}, out of order {report.OutOfOrder}, missing {report.MissingAfterDrain}, disconnects {report.Disconnects}, foreign {report.Foreign}, refused {report.SendRefusals}; {report.FirstAnomaly}");
}
return report.Clean ? 0 : 1;
