using SharpFuzz;
using SparseBert.Fuzz;

// SparseBert.Fuzz TARGET              under afl-fuzz: the fuzz loop; alone: reads one input from stdin and throws
//                                     what the fuzzer would count as a crash (how a found input is replayed).
// SparseBert.Fuzz seeds DIR DEVICES   writes DIR/TARGET/ seed files for every target (DEVICES: the devices/ folder).
if (args is ["seeds", var folder, var devices])
{
    Seeds.Write(folder, devices);
    return 0;
}
if (args is not [var name] || Target.Find(name) is not { } target)
{
    Console.Error.WriteLine($"usage: SparseBert.Fuzz TARGET | seeds DIR DEVICES_DIR (targets: {string.Join(", ", Target.All.Select(t => t.Name))})");
    return 2;
}

// One file per process, rewritten for every input; afl-fuzz runs one process at a time per instance.
var path = Path.Combine(Path.GetTempPath(), $"sparsebert-fuzz-{Environment.ProcessId}{target.Extension}");
// Out of process, so a hang (afl-fuzz kills the child) or a stack overflow is a finding rather than the end of the run.
Fuzzer.OutOfProcess.Run(input => Contract.Check(target, input, path));
return 0;
