"""fastgrad.distributed benchmarks, run under MPI (this file has no pytest-benchmark rows).

    python benchmarks/bench_distributed.py            # drives every part below through mpiexec
    mpiexec -n 2 python benchmarks/bench_distributed.py --part allreduce   # one part by hand

Parts (rank 0 prints one JSON line each):
* allreduce: ``dist.all_reduce`` of 1-64 MB float32 against mpi4py's ``Allreduce`` on numpy arrays
  of the same size, alternating, median of --reps (algorithm bandwidth = bytes / time);
* train: the 2048x3 MLP (three 2048x2048 Linear layers, ReLU, MSE, SGD), global batch 512 split
  over the ranks, 1 thread per rank, DistributedDataParallel when there are 2+ ranks; samples/s,
  and the share of all-reduce time hidden behind backward:
  1 - (step with DDP - step under no_sync) / (the same buckets all-reduced alone);
* torch: the same step with torch DDP (gloo over 127.0.0.1), when torch is installed.
The driver runs allreduce on 2 ranks, then train and torch on 1 and 2 ranks alternately
(--rounds times), and prints medians and ratios as markdown.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SIZES = [2048, 2048, 2048, 2048]
BATCH = 512


def _median_time(fn, reps):
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


def _max_over_ranks(x: float) -> float:
    from mpi4py import MPI
    return MPI.COMM_WORLD.allreduce(x, op=MPI.MAX)


def part_allreduce(args):
    import fastgrad
    import fastgrad.distributed as dist
    from mpi4py import MPI
    dist.init_process_group("mpi")
    comm = MPI.COMM_WORLD
    rows = []
    for mb in (1, 4, 16, 64):
        n = mb * 1024 * 1024 // 4
        t = fastgrad.from_numpy(np.ones(n, np.float32))
        a = np.ones(n, np.float32)
        ours, theirs = [], []
        calls = [(ours, lambda: dist.all_reduce(t)), (theirs, lambda: comm.Allreduce(MPI.IN_PLACE, a, MPI.SUM))]
        for _, fn in calls:  # warm up (first touch of the buffers, MPI's shared-memory setup)
            fn()
        for rep in range(args.reps):  # alternate the two (and which goes first), barrier before each
            for out, fn in calls[::1 if rep % 2 else -1]:
                comm.Barrier()
                t0 = time.perf_counter()
                fn()
                out.append(time.perf_counter() - t0)
        bytes_ = n * 4
        rows.append({"MB": mb, "fastgrad_GBps": bytes_ / statistics.median(ours) / 1e9,
                     "mpi4py_GBps": bytes_ / statistics.median(theirs) / 1e9})
    if dist.get_rank() == 0:
        print(json.dumps({"part": "allreduce", "world": dist.get_world_size(), "rows": rows}), flush=True)
    dist.destroy_process_group()


def _fastgrad_model():
    import fastgrad.nn as nn
    layers = []
    for a, b in zip(SIZES[:-1], SIZES[1:]):
        layers += [nn.Linear(a, b), nn.ReLU()]
    return nn.Sequential(*layers[:-1])


def part_train(args):
    import fastgrad
    import fastgrad.distributed as dist
    import fastgrad.nn as nn
    import fastgrad.optim as optim
    from fastgrad.nn.parallel import DistributedDataParallel as DDP
    dist.init_process_group("mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    fastgrad.set_num_threads(1)
    fastgrad.manual_seed(0)
    model = _fastgrad_model()
    ddp = DDP(model) if world > 1 else model
    opt = optim.SGD(ddp.parameters(), lr=1e-3)
    rng = np.random.default_rng(rank)
    x = fastgrad.from_numpy(rng.standard_normal((BATCH // world, SIZES[0]), dtype=np.float32))
    y = fastgrad.from_numpy(rng.standard_normal((BATCH // world, SIZES[-1]), dtype=np.float32))
    loss_fn = nn.MSELoss()

    def step():
        opt.zero_grad()
        loss_fn(ddp(x), y).backward()
        opt.step()

    def step_local():
        opt.zero_grad()
        with ddp.no_sync():
            loss_fn(ddp(x), y).backward()
        opt.step()

    for _ in range(2):
        step()
    dist.barrier()
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(args.steps):
        step()
    cpu = (time.process_time() - c0) / args.steps
    dist.barrier()
    per_step = (time.perf_counter() - t0) / args.steps
    cpu = _max_over_ranks(cpu)
    out = {"part": "train", "world": world, "step_s": per_step, "samples_per_s": BATCH / per_step, "cpu_s": cpu}
    if world > 1:
        from mpi4py import MPI
        flats = [b.flat for b in ddp.reducer.buckets]
        local, comm_alone, synced = [], [], []
        for _ in range(args.steps):  # alternate: local-only step, buckets alone, full step
            dist.barrier()
            local.append(_median_time(step_local, 1))
            dist.barrier()
            comm_alone.append(_median_time(
                lambda: [ddp.reducer.comm.Allreduce(MPI.IN_PLACE, f, MPI.SUM) for f in flats], 1))
            dist.barrier()
            synced.append(_median_time(step, 1))
        t_local, t_comm, t_sync = map(statistics.median, (local, comm_alone, synced))
        out.update(step_nosync_s=t_local, allreduce_alone_s=t_comm, step_sync_s=t_sync,
                   buckets=len(flats), hidden_share=max(0.0, min(1.0, 1 - (t_sync - t_local) / t_comm)))
    if rank == 0:
        print(json.dumps(out), flush=True)
    dist.destroy_process_group()


def part_torch(args):
    import torch
    import torch.distributed as tdist
    from mpi4py import MPI
    comm = MPI.COMM_WORLD
    rank, world = comm.Get_rank(), comm.Get_size()
    port = comm.bcast(29500 + os.getpid() % 1000 if rank == 0 else None, root=0)
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    torch.set_num_threads(1)
    tdist.init_process_group("gloo", rank=rank, world_size=world)
    torch.manual_seed(0)
    layers = []
    for a, b in zip(SIZES[:-1], SIZES[1:]):
        layers += [torch.nn.Linear(a, b), torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers[:-1])
    ddp = torch.nn.parallel.DistributedDataParallel(model) if world > 1 else model
    opt = torch.optim.SGD(ddp.parameters(), lr=1e-3)
    rng = np.random.default_rng(rank)
    x = torch.from_numpy(rng.standard_normal((BATCH // world, SIZES[0]), dtype=np.float32))
    y = torch.from_numpy(rng.standard_normal((BATCH // world, SIZES[-1]), dtype=np.float32))
    loss_fn = torch.nn.MSELoss()

    def step():
        opt.zero_grad()
        loss_fn(ddp(x), y).backward()
        opt.step()

    for _ in range(2):
        step()
    comm.Barrier()
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(args.steps):
        step()
    cpu = (time.process_time() - c0) / args.steps
    comm.Barrier()
    per_step = (time.perf_counter() - t0) / args.steps
    cpu = _max_over_ranks(cpu)
    if rank == 0:
        print(json.dumps({"part": "torch", "world": world, "step_s": per_step, "samples_per_s": BATCH / per_step,
                          "cpu_s": cpu}), flush=True)
    tdist.destroy_process_group()


def _launch(part, n, args):
    mpiexec = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    if not os.access(mpiexec, os.X_OK):
        mpiexec = "mpiexec"
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("FASTGRAD_DISTRIBUTED_DEBUG", None)
    cmd = [mpiexec, "-n", str(n), sys.executable, os.path.abspath(__file__), "--part", part,
           "--steps", str(args.steps), "--reps", str(args.reps)]
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=1800)
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{p.stdout}\n{p.stderr}")
    return json.loads([line for line in p.stdout.splitlines() if line.startswith("{")][-1])


def drive(args):
    try:
        import torch  # noqa: F401
        have_torch = True
    except ImportError:
        have_torch = False
    ar = _launch("allreduce", 2, args)
    print("all_reduce, 2 ranks, float32 (GB/s = bytes / time, median of", args.reps, "alternating calls)\n")
    print("| size | fastgrad all_reduce | mpi4py Allreduce (numpy) | ratio |\n|---|---|---|---|")
    for r in ar["rows"]:
        print(f"| {r['MB']} MB | {r['fastgrad_GBps']:.2f} GB/s | {r['mpi4py_GBps']:.2f} GB/s | "
              f"{r['fastgrad_GBps'] / r['mpi4py_GBps']:.2f}x |")
    runs = {}
    for _ in range(args.rounds):  # alternate the configurations: the machine's load drifts
        for part, n in [("train", 1), ("train", 2)] + ([("torch", 1), ("torch", 2)] if have_torch else []):
            runs.setdefault((part, n), []).append(_launch(part, n, args))
    med = {k: statistics.median(r["step_s"] for r in v) for k, v in runs.items()}
    cpu = {k: statistics.median(r["cpu_s"] for r in v) for k, v in runs.items()}
    print(f"\n2048x3 MLP, global batch {BATCH}, 1 thread per rank ({args.steps} steps per run, median of "
          f"{args.rounds} runs)\n")
    print("| framework | ranks | step (ms) | samples/s | speed-up over 1 rank | CPU s per step (slowest rank) | "
          "speed-up in CPU time |\n|---|---|---|---|---|---|---|")
    for fw in ("train", "torch"):
        for n in (1, 2):
            if (fw, n) in med:
                print(f"| {'fastgrad' if fw == 'train' else 'torch (gloo)'} | {n} | {1e3 * med[(fw, n)]:.1f} | "
                      f"{BATCH / med[(fw, n)]:.0f} | {med[(fw, 1)] / med[(fw, n)]:.2f}x | {cpu[(fw, n)]:.3f} | "
                      f"{cpu[(fw, 1)] / cpu[(fw, n)]:.2f}x |")
    if ("torch", 2) in med:
        print(f"\nfastgrad step / torch step at 2 ranks: {med[('train', 2)] / med[('torch', 2)]:.2f} wall, "
              f"{cpu[('train', 2)] / cpu[('torch', 2)]:.2f} in CPU time")
    d = runs[("train", 2)]
    keys = ("step_nosync_s", "allreduce_alone_s", "step_sync_s", "hidden_share")
    m = {k: statistics.median(r[k] for r in d) for k in keys}
    print(f"\noverlap at 2 ranks ({d[0]['buckets']} buckets): step under no_sync {1e3 * m['step_nosync_s']:.1f} ms, "
          f"the buckets all-reduced alone {1e3 * m['allreduce_alone_s']:.1f} ms, DDP step "
          f"{1e3 * m['step_sync_s']:.1f} ms: share of all-reduce hidden behind backward "
          f"{100 * m['hidden_share']:.0f}%")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--part", choices=("allreduce", "train", "torch"), help="run one part (under mpiexec)")
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--reps", type=int, default=20)
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args(argv)
    if args.part is None:
        drive(args)
    else:
        {"allreduce": part_allreduce, "train": part_train, "torch": part_torch}[args.part](args)


if __name__ == "__main__":
    main()
