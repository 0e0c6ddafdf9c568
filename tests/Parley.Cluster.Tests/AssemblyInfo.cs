// The cluster tests start PostgreSQL and several node processes (150-190 MB and a silo each):
// one test at a time keeps the peak at three nodes, so the machine (2 cores, shared with the
// other test projects that `dotnet test Parley.slnx` runs at the same time) is not swamped.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
