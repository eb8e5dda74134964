#!/usr/bin/env python3
"""Turns the raw measurements of scripts/bench.sh into the Markdown table and
the gnuplot chart.

  report.py RESULTS.tsv META.tsv OUT.md OUT.png

RESULTS.tsv: workload <TAB> column <TAB> repetition <TAB> value ("fail" when
the run failed). Every value is a cost (seconds, or microseconds per
operation): lower is better, and the ratio to the bare directory is
value / bare value.
META.tsv: key <TAB> value lines:
  workload  NAME<TAB>UNIT<TAB>DESCRIPTION   (in table order; a NAME ending
                                            in ".total" is a sum of other
                                            rows: shown, not in the geometric
                                            mean)
  column    NAME<TAB>DESCRIPTION            (in table order, "bare" first)
  note      TEXT                            (printed under the table)
  header    TEXT                            (printed above the table)
The Markdown goes to OUT.md and stdout; the chart (ratio to bare per
workload and column, log scale) to OUT.png.
"""
import math
import os
import statistics
import subprocess
import sys
import tempfile


def main(results, meta, out_md, out_png):
    workloads, columns, notes, header = [], [], [], []
    with open(meta) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if parts[0] == "workload":
                workloads.append(parts[1:4])
            elif parts[0] == "column":
                columns.append(parts[1:3])
            elif parts[0] == "note":
                notes.append(parts[1])
            elif parts[0] == "header":
                header.append(parts[1])
    values, failed = {}, set()
    with open(results) as f:
        for line in f:
            w, c, _rep, v = line.rstrip("\n").split("\t")
            if v == "fail":
                failed.add((w, c))
            else:
                values.setdefault((w, c), []).append(float(v))

    def median(w, c):
        v = values.get((w, c))
        return statistics.median(v) if v and (w, c) not in failed else None

    def fmt(x, unit):
        if unit == "s":
            return f"{x:.3f} s" if x < 10 else f"{x:.2f} s"
        return f"{x:.1f} µs" if x < 100 else f"{x:.0f} µs"

    names = [c for c, _ in columns]
    lines = list(header)
    lines.append("")
    lines.append("| workload | " + " | ".join(names) + " |")
    lines.append("|---|" + "---:|" * len(names))
    ratios = {c: [] for c in names}
    chart_rows = []
    for w, unit, desc in workloads:
        base = median(w, "bare")
        cells, chart = [], []
        for c in names:
            m = median(w, c)
            if (w, c) in failed:
                cells.append("failed")
                chart.append("?")
            elif m is None:
                cells.append("—")
                chart.append("?")
            elif c == "bare":
                cells.append(fmt(m, unit))
            elif base:
                r = m / base
                if not w.endswith(".total"):
                    ratios[c].append(r)
                cells.append(f"{fmt(m, unit)} ({r:.2f}x)")
                chart.append(f"{r:.4f}")
            else:
                cells.append(fmt(m, unit))
                chart.append("?")
        lines.append(f"| {w}: {desc} | " + " | ".join(cells) + " |")
        chart_rows.append((w, chart))
    counted = [w for w, _, _ in workloads if not w.endswith(".total")]
    geo = []
    for c in names:
        if c == "bare":
            geo.append("1.00x")
        elif ratios[c] and len(ratios[c]) == len(counted):
            geo.append(f"{math.exp(sum(map(math.log, ratios[c])) / len(ratios[c])):.2f}x")
        elif ratios[c]:
            geo.append(f"{math.exp(sum(map(math.log, ratios[c])) / len(ratios[c])):.2f}x "
                       f"({len(ratios[c])} of {len(counted)})")
        else:
            geo.append("—")
    lines.append("| **geometric mean of the ratios** | " + " | ".join(geo) + " |")
    lines.append("")
    lines.append("Cells: median over the repetitions, and (in parentheses) the ratio to the bare "
                 "directory; every row is a cost, so lower is better and 2.00x means twice "
                 "as slow as the bare directory.")
    lines.append("")
    lines.append("Columns:")
    lines.append("")
    for c, desc in columns:
        lines.append(f"- **{c}**: {desc}")
    if notes:
        lines.append("")
        lines.append("Notes:")
        lines.append("")
        for n in notes:
            lines.append(f"- {n}")
    text = "\n".join(lines) + "\n"
    with open(out_md, "w") as f:
        f.write(text)
    sys.stdout.write(text)

    plotted = [c for c in names[1:]]
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "ratios.dat")
        with open(data, "w") as f:
            for w, chart in chart_rows:
                f.write(f'"{w}" ' + " ".join(chart) + "\n")
        plots = []
        for k, c in enumerate(plotted):
            src = f"'{data}'" if k == 0 else "''"
            plots.append(f"{src} using {k + 2}:xtic(1) title '{c}'")
        plots.append("1 with lines lt -1 lw 1.5 title 'bare = 1'")
        script = f"""
set terminal pngcairo size 1280,640 font ",10" noenhanced
set output '{out_png}'
set title "time relative to the bare directory, median of the repetitions (lower is better; log scale; no bar: failed or skipped, see the table)"
set datafile missing '?'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set logscale y
set yrange [0.3:*]
set grid ytics mytics
set xtics rotate by -35 scale 0
set key top left
set ylabel "x bare"
set bmargin 6
plot {", ".join(plots)}
"""
        subprocess.run(["gnuplot"], input=script, text=True, check=True)


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    main(*sys.argv[1:])
