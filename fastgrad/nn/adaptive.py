"""nn.AdaptiveLogSoftmaxWithLoss (Grave et al., "Efficient softmax approximation for GPUs"), torch's
structure, parameter names, initialisation and results, composed from differentiable fastgrad ops:

    log p(c | x) = log_softmax(head(x))[c]                                    for c < cutoffs[0]
    log p(c | x) = log_softmax(head(x))[shortlist + i] + log_softmax(tail[i](x))[c - cutoffs[i]]
                                                                              for c in cluster i
"""
from collections import namedtuple
from typing import Sequence

import numpy as np

from fastgrad import functional as F
from fastgrad.autograd.grad_mode import no_grad
from fastgrad.nn.container import ModuleList, Sequential
from fastgrad.nn.linear import Linear
from fastgrad.nn.module import Module
from fastgrad.tensor import Tensor

__all__ = ["AdaptiveLogSoftmaxWithLoss"]

_ASMoutput = namedtuple("_ASMoutput", ["output", "loss"])


class AdaptiveLogSoftmaxWithLoss(Module):
    """Adaptive softmax: a head over the shortlist and one entry per cluster, and per cluster a
    low-rank tail (in_features -> in_features // div_value^(i+1) -> cluster size); forward returns the
    target log-probabilities (output) and the mean negative log-likelihood (loss)."""

    def __init__(self, in_features: int, n_classes: int, cutoffs: Sequence[int], div_value: float = 4.0,
                 head_bias: bool = False, device=None, dtype=None) -> None:
        super().__init__()
        cutoffs = list(cutoffs)
        if len(cutoffs) == 0:
            raise ValueError("cutoffs should be a sequence of length larger than 0")
        if (cutoffs != sorted(cutoffs)) or (min(cutoffs) <= 0) or (max(cutoffs) > (n_classes - 1)) or \
                (len(set(cutoffs)) != len(cutoffs)) or any(int(c) != c for c in cutoffs):
            raise ValueError("cutoffs should be a sequence of unique, positive integers sorted in an increasing "
                             "order, where each value is between 1 and n_classes-1")
        kw = {"device": device, "dtype": dtype}
        self.in_features = in_features
        self.n_classes = n_classes
        self.cutoffs = cutoffs + [n_classes]
        self.div_value = div_value
        self.head_bias = head_bias
        self.shortlist_size = self.cutoffs[0]
        self.n_clusters = len(self.cutoffs) - 1
        self.head_size = self.shortlist_size + self.n_clusters
        self.head = Linear(in_features, self.head_size, bias=head_bias, **kw)
        self.tail = ModuleList()
        for i in range(self.n_clusters):
            hsz = int(in_features // (div_value ** (i + 1)))
            osz = self.cutoffs[i + 1] - self.cutoffs[i]
            self.tail.append(Sequential(Linear(in_features, hsz, bias=False, **kw),
                                        Linear(hsz, osz, bias=False, **kw)))

    def reset_parameters(self) -> None:
        self.head.reset_parameters()
        for i2h, h2o in self.tail:
            i2h.reset_parameters()
            h2o.reset_parameters()

    def forward(self, input_: Tensor, target_: Tensor) -> _ASMoutput:
        """(output, loss): output[n] = log p(target[n] | input[n]), loss = -mean(output)."""
        tdim = target_.dim()
        if tdim == 1:
            if input_.shape[0] != target_.shape[0]:
                raise RuntimeError("Input and target should have the same size in the batch dimension.")
            if input_.dim() != 2:
                raise RuntimeError(f"1D target tensor expects 2D input tensors, but found inputs with size "
                                   f"{input_.size()}")
        elif tdim == 0:
            if input_.dim() != 1:
                raise RuntimeError(f"0D target tensor expects 1D input tensors, but found inputs with size "
                                   f"{input_.size()}")
        else:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        batched = tdim > 0
        x = input_ if batched else input_.unsqueeze(0)
        target = np.asarray(target_._data).reshape(-1)
        if target.dtype.kind not in "iu":
            raise RuntimeError(f"AdaptiveLogSoftmaxWithLoss: expected an integer target, got {target.dtype}")
        n = target.shape[0]
        if n and (target.min() < 0 or target.max() >= self.n_classes):
            raise RuntimeError(f"Target values should be in [0, {self.n_classes - 1}], but values in range "
                               f"[{int(target.min())}, {int(target.max())}] were found. ")
        bounds = [0] + self.cutoffs
        gather_inds = target.astype(np.int64).copy()
        pieces, order = [], []
        for i in range(1, len(bounds) - 1):
            rows = np.nonzero((target >= bounds[i]) & (target < bounds[i + 1]))[0]
            if rows.size == 0:
                continue
            gather_inds[rows] = self.shortlist_size + i - 1
            logp = F.log_softmax(self.tail[i - 1](x[rows]), 1)
            rel = Tensor._make((target[rows] - bounds[i]).astype(np.int64)[:, None])
            pieces.append(F.gather(logp, 1, rel).squeeze(1))
            order.append(rows)
        head_logprob = F.log_softmax(self.head(x), 1)
        output = F.gather(head_logprob, 1, Tensor._make(gather_inds[:, None])).squeeze(1)
        if pieces:  # the tail terms, scattered back to their rows (the shortlist rows add 0)
            short = np.nonzero(target < self.shortlist_size)[0]
            if short.size:
                pieces.append(Tensor._make(np.zeros(short.size, dtype=output._data.dtype)))
                order.append(short)
            inverse = np.argsort(np.concatenate(order), kind="stable")
            output = output + F.cat(pieces, 0)[inverse]
        loss = (-output).mean()
        if not batched:
            output = output.squeeze(0)
        return _ASMoutput(output, loss)

    def _get_full_log_prob(self, input: Tensor, head_output: Tensor) -> Tensor:
        head_logprob = F.log_softmax(head_output, 1)
        parts = [head_logprob[:, :self.shortlist_size]]
        for i in range(len(self.cutoffs) - 1):  # one tail cluster per pair of cutoffs
            cluster_logprob = F.log_softmax(self.tail[i](input), 1)
            k = self.shortlist_size + i
            parts.append(cluster_logprob + head_logprob[:, k:k + 1])
        return F.cat(parts, 1)

    def log_prob(self, input: Tensor) -> Tensor:
        """log p(c | input) for every class c: (N, n_classes)."""
        return self._get_full_log_prob(input, self.head(input))

    def predict(self, input: Tensor) -> Tensor:
        """argmax_c log p(c | input), evaluating the tails only for rows whose head argmax is a cluster."""
        with no_grad():
            head_output = self.head(input)
            output = np.argmax(head_output._data, axis=1).astype(np.int64)
            outside = output >= self.shortlist_size
            if outside.any():
                rows = np.nonzero(outside)[0]
                log_prob = self._get_full_log_prob(input[rows], head_output[rows])
                output[rows] = np.argmax(log_prob._data, axis=1)
        return Tensor._make(output)
