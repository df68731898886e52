namespace SparseBert.Simulator.Explore;

/// <summary>The report's stylesheet, inline so the page needs nothing beside it: system fonts only, nothing fetched.</summary>
static class ReportStyle
{
    public const string Css = """
        :root { color-scheme: light; }
        *, *::before, *::after { box-sizing: border-box; }
        body { margin: 0; background: #f5f6f8; color: #1d2330; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
        main { max-width: 1220px; margin: 0 auto; padding: 28px 32px 56px; }
        h1 { font-size: 1.7rem; margin: 0; letter-spacing: -0.01em; }
        h2 { font-size: 1.25rem; margin: 40px 0 10px; padding-bottom: 6px; border-bottom: 1px solid #dde1e7; }
        .model { font-size: 1.05rem; color: #4a5263; margin: 4px 0 16px; }
        dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 18px; margin: 0; font-size: 0.9rem; }
        dt { color: #6b7280; }
        dd { margin: 0; overflow-wrap: anywhere; }
        code { font: 0.85rem/1.4 ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; background: #eceef2; padding: 1px 5px; border-radius: 4px; }
        .lead { color: #4a5263; max-width: 860px; margin: 0 0 12px; }
        .charts { display: grid; grid-template-columns: minmax(0, 1fr); gap: 18px; max-width: 1060px; }
        figure { margin: 0; padding: 12px 14px 6px; background: #fff; border: 1px solid #e1e4e8; border-radius: 10px; break-inside: avoid; }
        figure svg { display: block; width: 100%; height: auto; }
        .scroll { overflow-x: auto; background: #fff; border: 1px solid #e1e4e8; border-radius: 10px; }
        table { border-collapse: collapse; width: 100%; font-size: 0.85rem; font-variant-numeric: tabular-nums; }
        th, td { padding: 5px 10px; text-align: right; white-space: nowrap; border-bottom: 1px solid #eceef1; }
        thead th { background: #f0f2f5; font-weight: 600; color: #374151; vertical-align: bottom; }
        tbody tr:last-child td, tbody tr:last-child th { border-bottom: none; }
        .text { text-align: left; }
        .recommend th, .recommend td { text-align: left; white-space: normal; vertical-align: top; min-width: 11em; }
        .recommend .detail { display: block; color: #6b7280; font-size: 0.8rem; }
        .none { color: #9ca3af; }
        tr.nofit td { color: #9ca3af; }

        """;
}
