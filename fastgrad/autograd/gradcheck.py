"""gradcheck: compare analytical gradients with float64 central differences."""
import numpy as np

from fastgrad.tensor import Tensor
from fastgrad.autograd.grad_mode import no_grad

__all__ = ["gradcheck", "numerical_jacobian_vjp"]


def _outputs(fn, inputs):
    out = fn(*inputs)
    return out if isinstance(out, (tuple, list)) else (out,)


def numerical_jacobian_vjp(fn, inputs, cotangents, eps=1e-6):
    """Central-difference d<cotangent, fn(inputs)>/d(input) for each input requiring grad."""
    grads = []
    for t in inputs:
        if not (isinstance(t, Tensor) and t.requires_grad):
            grads.append(None)
            continue
        a = t._data
        g = np.zeros(a.shape, np.float64)
        flat = a.reshape(-1) if a.flags.c_contiguous else None
        if flat is None:
            raise ValueError("gradcheck: inputs must be contiguous")
        for i in range(a.size):
            orig = flat[i]
            with no_grad():
                flat[i] = orig + eps
                plus = [o._data.astype(np.float64) for o in _outputs(fn, inputs)]
                flat[i] = orig - eps
                minus = [o._data.astype(np.float64) for o in _outputs(fn, inputs)]
            flat[i] = orig
            g.reshape(-1)[i] = sum(float(np.sum(c * (p - m))) for c, p, m in zip(cotangents, plus, minus)
                                   if c is not None) / (2 * eps)
        grads.append(g)
    return grads


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, seed=0) -> bool:
    """Check fn's backward on float64 inputs against central differences.

    A random cotangent v is drawn per output; the analytical vector-Jacobian product
    (one backward) is compared with d<v, fn(x)>/dx from central differences.
    """
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    for t in inputs:
        if isinstance(t, Tensor) and t.requires_grad and t._data.dtype != np.float64:
            raise ValueError(f"gradcheck: inputs requiring grad must be float64, got {t._data.dtype}")
    rng = np.random.default_rng(seed)
    outs = _outputs(fn, inputs)
    cotangents = [rng.standard_normal(o._data.shape) if o.requires_grad else None for o in outs]
    for t in inputs:
        if isinstance(t, Tensor):
            t.grad = None
    roots = [o for o, c in zip(outs, cotangents) if c is not None]
    if roots:
        from fastgrad.autograd import backward
        backward(roots, [Tensor._make(c.astype(o._data.dtype)) for o, c in zip(outs, cotangents)
                         if c is not None])
    numeric = numerical_jacobian_vjp(fn, inputs, cotangents, eps)
    for i, (t, num) in enumerate(zip(inputs, numeric)):
        if num is None:
            continue
        ana = np.zeros(t._data.shape) if t.grad is None else t.grad._data.astype(np.float64)
        if not np.allclose(ana, num, atol=atol, rtol=rtol, equal_nan=True):
            if raise_exception:
                err = np.max(np.abs(ana - num)) if ana.size else 0.0
                raise AssertionError(f"gradcheck: gradient of input {i} (shape {tuple(t._data.shape)}) "
                                     f"differs from finite differences by up to {err:.3g}\n"
                                     f"analytical:\n{ana}\nnumerical:\n{num}")
            return False
    return True
