"""Resident memory of a training run, each framework in its own subprocess.

    python benchmarks/memory.py [--steps 2000] [--workloads W3,W5] [--threads N] [-o memory.json]

For each workload and framework a fresh Python process imports only what that row needs
(torch is blocked in the numpy and fastgrad processes), builds the model of
``bench_workloads.py`` from the same weights, and trains it on the fixed batch.  It records the
RSS after the imports, the RSS after step 10 and after the last step (their difference is the
growth: a leak or a cache that keeps growing shows up there), and the peak RSS of the process
(``ru_maxrss``).  ``FASTGRAD_BENCH_QUICK=1`` shrinks the models (see bench_workloads.py) and the
step count.  ``report.py --memory memory.json`` adds the table to the report.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
WORKLOAD_NAMES = {"W3": "W3 mlp 784-128-128-10 b32 mse sgd", "W5": "W5 mlp 2048x4 b512 mse sgd",
                  "C3": "C3 resnet 3x2 blocks 16/32/64 32x32 b32 adam", "T2": "T2 gpt 6L 8H 256w ctx256 b8 adamw"}
FRAMEWORKS = ("numpy", "torch", "fastgrad")


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def child(workload: str, framework: str, steps: int) -> dict:
    if framework != "torch":
        sys.modules["torch"] = None  # `import torch` fails: this process measures only its framework
    sys.path.insert(0, HERE)
    sys.path.append(os.path.dirname(HERE))  # the source tree, when fastgrad is built in place
    import bench_workloads as W
    import _common as C
    if framework == "torch" and C.torch is None:
        return {"error": "torch not installed"}
    if workload in ("C3", "T2"):  # the CNN and transformer rows (bench_conv.py, bench_transformer.py)
        if framework == "numpy":
            return {"error": "no numpy version of this model"}
        rss_import = rss_mb()
        if workload == "C3":
            import bench_conv
            model = bench_conv.ResNetStep(framework)
        else:
            import bench_transformer
            model = bench_transformer.GPTStep(framework, bench_transformer.GPT_SIZES["T2"], torch_weights=False)
    else:
        spec, data = W.make_problem(WORKLOAD_NAMES[workload])
        rss_import = rss_mb()
        model = W.build(framework, spec, data)
    rss10 = None
    t0 = time.perf_counter()
    for i in range(1, steps + 1):
        model.step()
        if i == min(10, steps):
            rss10 = rss_mb()
    seconds = time.perf_counter() - t0
    rss_end = rss_mb()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
    return {"rss_import_mb": rss_import, "rss_step10_mb": rss10, "rss_end_mb": rss_end,
            "growth_mb": rss_end - rss10, "peak_rss_mb": peak, "seconds": seconds,
            "final_loss": model.loss(), "threads": C.THREADS}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", default="2000",
                    help="steps per run: N for all, or per workload and framework: W3=2000,W5=200,W5:fastgrad=20")
    ap.add_argument("--workloads", default="W3,W5")
    ap.add_argument("--frameworks", default=",".join(FRAMEWORKS))
    ap.add_argument("--threads", type=int, help="sets FASTGRAD_BENCH_THREADS for the children")
    ap.add_argument("-o", "--output", default="memory.json")
    ap.add_argument("--child", nargs=3, metavar=("WORKLOAD", "FRAMEWORK", "STEPS"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        workload, framework, steps = args.child
        print(json.dumps(child(workload, framework, int(steps))))
        return 0

    quick = os.environ.get("FASTGRAD_BENCH_QUICK", "").strip() not in ("", "0")
    steps = {}
    for part in args.steps.split(","):
        k, _, v = part.rpartition("=")
        steps[k or "*"] = int(v)
    env = dict(os.environ)
    if args.threads:
        env["FASTGRAD_BENCH_THREADS"] = str(args.threads)
    runs = []
    for workload in args.workloads.split(","):
        for fw in args.frameworks.split(","):
            n = steps.get(f"{workload}:{fw}", steps.get(workload, steps.get("*", 2000)))
            if quick:
                n = min(n, 30)
            proc = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", workload, fw, str(n)],
                                  capture_output=True, text=True, env=env)
            row = {"workload": workload, "framework": fw, "steps": n}
            if proc.returncode != 0:
                row["error"] = "failed: " + (proc.stderr.strip().splitlines() or ["?"])[-1][:200]
            else:
                row.update(json.loads(proc.stdout.strip().splitlines()[-1]))
            runs.append(row)
            print(json.dumps(row), file=sys.stderr)
    note = ("Each row is a separate process: RSS after importing numpy, fastgrad, pytest and (torch row "
            "only) torch and making the initial weights and batch with numpy; peak RSS over the run; "
            "growth of RSS from step 10 to the last step." +
            (" QUICK MODE: small models, few steps." if quick else ""))
    with open(args.output, "w") as f:
        json.dump({"note": note, "quick": quick, "runs": runs}, f, indent=1)
    return 0 if not any(r.get("error", "").startswith("failed") for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
