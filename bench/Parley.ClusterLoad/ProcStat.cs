using System.Globalization;

namespace Parley.ClusterLoad;

/// <summary>CPU time from Linux's /proc (proc(5)). Read at the window's two ends; nothing else.</summary>
internal static class ProcStat
{
    /// <summary>USER_HZ: /proc counts CPU time in these ticks per second (100 on every Linux architecture in use).</summary>
    public const double TicksPerSecond = 100;

    /// <summary>A process's utime + stime in seconds, or null when it is gone.</summary>
    public static double? CpuSeconds(int pid)
    {
        try
        {
            return TryParseCpuTicks(File.ReadAllText($"/proc/{pid}/stat"), out var user, out var system)
                ? (user + system) / TicksPerSecond
                : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>
    /// utime and stime (fields 14 and 15) of a /proc/PID/stat line. The command name (field 2) is in
    /// parentheses and may hold spaces and parentheses itself, so fields are counted after the last ')'.
    /// </summary>
    public static bool TryParseCpuTicks(string stat, out long user, out long system)
    {
        user = system = 0;
        var close = stat.LastIndexOf(')');
        if (close < 0)
        {
            return false;
        }
        var fields = stat[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // fields[0] is field 3 (state), so field n is fields[n - 3].
        return fields.Length > 12
            && long.TryParse(fields[11], NumberStyles.None, CultureInfo.InvariantCulture, out user)
            && long.TryParse(fields[12], NumberStyles.None, CultureInfo.InvariantCulture, out system);
    }

    /// <summary>The machine's busy CPU time in seconds (every CPU: /proc/stat's first line, all but idle and iowait).</summary>
    public static double MachineBusySeconds()
    {
        try
        {
            using var reader = new StreamReader("/proc/stat");
            var line = reader.ReadLine();
            return line is null ? 0 : ParseBusyTicks(line) / TicksPerSecond;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>"cpu user nice system idle iowait irq softirq steal …": the sum of all but idle and iowait.</summary>
    public static long ParseBusyTicks(string cpuLine)
    {
        var f = cpuLine.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        long busy = 0;
        for (var i = 1; i < f.Length && i <= 8; i++)
        {
            if (i is 4 or 5)
            {
                continue;
            }
            busy += long.Parse(f[i], CultureInfo.InvariantCulture);
        }
        return busy;
    }

    /// <summary>/proc/loadavg's three averages, as written.</summary>
    public static string LoadAverage()
    {
        try
        {
            var f = File.ReadAllText("/proc/loadavg").Split(' ');
            return string.Join(' ', f.Take(3));
        }
        catch (IOException)
        {
            return "";
        }
    }
}
