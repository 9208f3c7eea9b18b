"""Data-parallel training of the digits MLP over MPI: each rank trains on its share of every batch.

Run: mpiexec -n 2 python examples/ddp_train.py          (needs: pip install fastgrad[mpi])

DistributedSampler gives rank r every world-th sample of each epoch's permutation, so the ranks'
k-th batches together are one global batch of --batch-size; DistributedDataParallel averages the
gradients, so every step equals one single-process step on that combined batch.  With --compare
(the default) rank 0 also trains a single-process copy on the combined batches and prints its
accuracy beside the data-parallel one: the two agree.
"""
import argparse
import sys
import time

import numpy as np

import fastgrad
import fastgrad.distributed as dist
import fastgrad.nn as nn
import fastgrad.optim as optim
from fastgrad.demo import MLP, load_digits, split_standardise
from fastgrad.nn.parallel import DistributedDataParallel as DDP
from fastgrad.utils.data import DistributedSampler


def accuracy(model, X, y) -> float:
    with fastgrad.no_grad():
        return float((model(X).argmax(dim=1)._data == y._data).mean())


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--batch-size", type=int, default=64, help="global batch (split evenly over the ranks)")
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--no-compare", dest="compare", action="store_false",
                   help="skip the single-process run on the combined batches (rank 0)")
    args = p.parse_args(argv)

    dist.init_process_group("mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    if args.batch_size % world:
        raise SystemExit(f"--batch-size {args.batch_size} must be a multiple of the {world} ranks")
    per_rank = args.batch_size // world
    say = print if rank == 0 else (lambda *a, **k: None)

    X, y = load_digits()
    Xtr, ytr, Xte, yte = split_standardise(X, y, seed=args.seed)
    Xtr, ytr, Xte, yte = map(fastgrad.from_numpy, (Xtr, ytr, Xte, yte))
    fastgrad.manual_seed(args.seed + rank)  # different on each rank: DDP broadcasts rank 0's parameters
    model = DDP(MLP(64, [128, 64], 10))
    opt = optim.Adam(model.parameters(), lr=args.lr)
    loss_fn = nn.CrossEntropyLoss()
    samplers = [DistributedSampler(range(len(ytr)), world, r, seed=args.seed) for r in range(world)]
    if args.compare and rank == 0:
        fastgrad.manual_seed(args.seed)
        ref = MLP(64, [128, 64], 10)  # rank 0's initial parameters
        ref_opt = optim.Adam(ref.parameters(), lr=args.lr)
    say(f"digits: {len(ytr)} training images, MLP 64-128-64-10, {world} ranks x batch {per_rank} "
        f"(global batch {args.batch_size}), {fastgrad.get_num_threads()} thread(s) per rank")

    t0 = time.perf_counter()
    for epoch in range(args.epochs):
        for s in samplers:
            s.set_epoch(epoch)
        parts = [s._indices() for s in samplers]  # every rank's share (rank r trains on parts[r])
        total = fastgrad.zeros(2, dtype=fastgrad.float64)
        for start in range(0, len(parts[rank]), per_rank):
            idx = parts[rank][start:start + per_rank]
            opt.zero_grad()
            loss = loss_fn(model(Xtr[idx]), ytr[idx])
            loss.backward()
            opt.step()
            total += fastgrad.tensor([loss.item() * len(idx), len(idx)], dtype=fastgrad.float64)
            if args.compare and rank == 0:  # the same step, single-process, on the combined batch
                both = np.concatenate([p[start:start + per_rank] for p in parts])
                ref_opt.zero_grad()
                loss_fn(ref(Xtr[both]), ytr[both]).backward()
                ref_opt.step()
        dist.all_reduce(total)
        say(f"epoch {epoch + 1:3d}/{args.epochs}  loss {float(total[0]) / float(total[1]):.4f}  "
            f"test acc {100 * accuracy(model, Xte, yte):6.2f}%")
    seconds = time.perf_counter() - t0
    result = {"test_acc": accuracy(model, Xte, yte), "world": world, "seconds": seconds}
    say(f"final test accuracy: {100 * result['test_acc']:.2f}% ({len(yte)} held-out images), data-parallel over "
        f"{world} rank(s), {args.epochs} epochs in {seconds:.1f} s")
    if args.compare and rank == 0:
        result["single_process_acc"] = accuracy(ref, Xte, yte)
        diff = max(float(np.abs(a._data - b._data).max()) for a, b in zip(model.parameters(), ref.parameters()))
        result["max_param_diff"] = diff
        say(f"single-process on the combined batches: {100 * result['single_process_acc']:.2f}% "
            f"(largest parameter difference {diff:.1e})")
    dist.destroy_process_group()
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
