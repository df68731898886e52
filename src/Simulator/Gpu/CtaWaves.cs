namespace SparseBert.Simulator.Gpu;

/// <summary>
/// When the last CTA of a kernel finishes, by event simulation rather than a closed formula, so that partial waves
/// and unevenly loaded SMs come out as they would: every SM has the same number of CTA slots; at each instant the
/// free slots are filled in CTA order, each CTA going to the SM with the fewest resident CTAs (the lowest index on
/// ties: the block scheduler spreads CTAs across SMs before stacking them), which after the first wave is the SM that
/// freed a slot first. A CTA's duration is fixed when it starts, from how many CTAs are then resident on its SM and on
/// the whole GPU (itself and those starting with it included).
/// </summary>
static class CtaWaves
{
    /// <param name="duration">(CTAs resident on its SM, CTAs resident on the GPU) → cycles one CTA takes</param>
    public static double Makespan(long ctas, int sms, int slotsPerSm, Func<int, int, double> duration)
    {
        var onSm = new int[sms];
        int resident = 0;
        long slots = (long)sms * slotsPerSm, started = 0;
        var running = new PriorityQueue<int, double>();
        var startingNow = new List<int>();
        double now = 0, last = 0;
        while (started < ctas)
        {
            startingNow.Clear();
            for (; started < ctas && resident < slots; started++, resident++)
            {
                int sm = LeastOccupied(onSm);
                onSm[sm]++;
                startingNow.Add(sm);
            }
            foreach (int sm in startingNow)
            {
                double end = now + duration(onSm[sm], resident);
                running.Enqueue(sm, end);
                last = Math.Max(last, end);
            }
            running.TryPeek(out _, out now);
            while (running.TryPeek(out int sm, out double end) && end <= now)
            {
                running.Dequeue();
                onSm[sm]--;
                resident--;
            }
        }
        return last;
    }

    static int LeastOccupied(int[] onSm)
    {
        int best = 0;
        for (int sm = 1; sm < onSm.Length; sm++)
            if (onSm[sm] < onSm[best]) best = sm;
        return best;
    }
}
