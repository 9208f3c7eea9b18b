"""Saved pytest-benchmark JSON -> markdown tables (and a PNG of the ratios).

    python benchmarks/report.py RESULTS.json [--memory memory.json] [-o RESULTS.md] [--png ratios.png]

One table per category (workloads, activations, losses, optimizers, overhead, matmul, ...), one
row per benchmark group: the median of the fastgrad, numpy and torch rows and the ratios
fastgrad/torch and fastgrad/numpy (below 1: fastgrad is faster).  The machine (CPU, ISA,
threads, versions) heads the page.  The PNG is written only when matplotlib is importable.
"""
import argparse
import json
import os
import sys
from collections import OrderedDict

FRAMEWORKS = ("fastgrad", "numpy", "torch")
CATEGORY_ORDER = ("workloads", "matmul", "activations", "losses", "optimizers", "overhead")  # others follow


def fmt_time(s):
    if s is None:
        return "–"
    if s < 1e-3:
        return f"{s * 1e6:.3g} µs"
    if s < 1.0:
        return f"{s * 1e3:.3g} ms"
    return f"{s:.3g} s"


def fmt_ratio(r):
    return "–" if r is None else f"{r:.2f}×"


def framework_of(bench):
    extra = bench.get("extra_info") or {}
    fw = extra.get("framework") or extra.get("impl")  # bench_matmul.py says "impl"
    if fw in FRAMEWORKS:
        return fw
    for v in (bench.get("params") or {}).values():
        if isinstance(v, str) and v in FRAMEWORKS:
            return v
    name = bench.get("name", "").lower()
    for fw in FRAMEWORKS:
        if fw in name:
            return fw
    return None


def category_of(bench):
    cat = (bench.get("extra_info") or {}).get("category")
    if cat:
        return cat
    mod = os.path.basename(bench.get("fullname", "").split("::")[0])
    return mod[len("bench_"):-3] if mod.startswith("bench_") and mod.endswith(".py") else (mod or "other")


def collect(data):
    """{category: {group: {framework: median seconds}}} in order of appearance."""
    table = OrderedDict()
    for b in data.get("benchmarks", []):
        fw = framework_of(b)
        if fw is None:
            continue
        group = b.get("group") or b.get("name")
        table.setdefault(category_of(b), OrderedDict()).setdefault(group, {})[fw] = b["stats"]["median"]
    rank = {c: i for i, c in enumerate(CATEGORY_ORDER)}
    return OrderedDict(sorted(table.items(), key=lambda kv: rank.get(kv[0], len(rank))))


def machine_header(data):
    m = None
    for b in data.get("benchmarks", []):
        m = (b.get("extra_info") or {}).get("machine")
        if m:
            break
    mi = data.get("machine_info", {})
    cpu = (m or {}).get("cpu") or (mi.get("cpu") or {}).get("brand_raw") or mi.get("processor", "?")
    lines = [f"- CPU: {cpu} ({(m or {}).get('cores', '?')} cores)"]
    if m:
        lines += [
            f"- threads: {m['threads']} for every framework (fastgrad {m.get('fastgrad_threads')}, "
            f"torch {m.get('torch_threads')}, numpy/BLAS via threadpoolctl)",
            f"- fastgrad {m['fastgrad']}, ISA chosen: {m['isa']}",
            f"- numpy {m['numpy']}, BLAS: {m['blas']}",
            f"- torch {m['torch']}",
            f"- Python {m['python']}" + (" — QUICK MODE (small sizes, few rounds: not a measurement)"
                                         if m.get("quick") else ""),
        ]
        if m.get("loadavg_at_start"):
            lines.append(f"- load average when the run started: {m['loadavg_at_start']} "
                         "(other processes on the machine make the medians noisier)")
        if m.get("openblas_env"):
            lines.append(f"- OPENBLAS environment during the run: {m['openblas_env']} (slows numpy; see README)")
    else:
        lines.append(f"- Python {mi.get('python_version', '?')}")
    ci = data.get("commit_info") or {}
    if ci.get("id"):
        lines.append(f"- commit {ci['id'][:10]}{' (dirty tree)' if ci.get('dirty') else ''}, "
                     f"run {data.get('datetime', '?')[:19]}")
    return lines


def ratio(table_row, other):
    a, b = table_row.get("fastgrad"), table_row.get(other)
    return a / b if a is not None and b else None


def markdown(data, memory=None):
    out = ["## Machine", ""] + machine_header(data) + [
        "", "Medians of each row; ratios are fastgrad's median over the other's (below 1×: fastgrad is faster).", ""]
    for cat, groups in collect(data).items():
        out += [f"### {cat}", "", "| benchmark | fastgrad | numpy | torch | fastgrad/torch | fastgrad/numpy |",
                "|---|---:|---:|---:|---:|---:|"]
        for group, row in groups.items():
            out.append(f"| {group} | {fmt_time(row.get('fastgrad'))} | {fmt_time(row.get('numpy'))} | "
                       f"{fmt_time(row.get('torch'))} | {fmt_ratio(ratio(row, 'torch'))} | "
                       f"{fmt_ratio(ratio(row, 'numpy'))} |")
        out.append("")
    if memory:
        out += memory_markdown(memory)
    return "\n".join(out) + "\n"


def memory_markdown(mem):
    out = ["### memory (resident set size, each framework in its own process)", "",
           f"{mem.get('note', '')}", "",
           "| workload | framework | steps | RSS after import | peak RSS | RSS growth (step 10 → last) |",
           "|---|---|---:|---:|---:|---:|"]
    for r in mem.get("runs", []):
        if r.get("error"):
            out.append(f"| {r['workload']} | {r['framework']} | – | – | – | {r['error']} |")
            continue
        out.append(f"| {r['workload']} | {r['framework']} | {r['steps']} | {r['rss_import_mb']:.0f} MB | "
                   f"{r['peak_rss_mb']:.0f} MB | {r['growth_mb']:+.1f} MB |")
    return out + [""]


def plot(data, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no PNG written", file=sys.stderr)
        return False
    labels, vs_torch, vs_numpy = [], [], []
    for cat, groups in collect(data).items():
        for group, row in groups.items():
            if row.get("fastgrad") is None:
                continue
            labels.append(group)
            vs_torch.append(ratio(row, "torch") or float("nan"))
            vs_numpy.append(ratio(row, "numpy") or float("nan"))
    if not labels:
        return False
    fig, ax = plt.subplots(figsize=(9, 0.22 * len(labels) + 1.5))
    y = range(len(labels))
    ax.barh([i - 0.2 for i in y], vs_torch, height=0.4, label="fastgrad / torch")
    ax.barh([i + 0.2 for i in y], vs_numpy, height=0.4, label="fastgrad / numpy")
    ax.axvline(1.0, color="k", lw=0.8)
    ax.set_xscale("log")
    ax.set_yticks(list(y))
    ax.set_yticklabels(labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("median time ratio (log scale; < 1: fastgrad faster)")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("json", help="file written by pytest --benchmark-json")
    ap.add_argument("--memory", help="JSON written by benchmarks/memory.py")
    ap.add_argument("-o", "--output", help="write the markdown here (default: stdout)")
    ap.add_argument("--png", help="bar chart of the ratios (default: next to --output, if given)")
    args = ap.parse_args(argv)
    with open(args.json) as f:
        data = json.load(f)
    memory = None
    if args.memory:
        with open(args.memory) as f:
            memory = json.load(f)
    text = markdown(data, memory)
    if args.output:
        with open(args.output, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    png = args.png or (os.path.splitext(args.output)[0] + ".png" if args.output else None)
    if png and plot(data, png):
        print(f"wrote {png}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
