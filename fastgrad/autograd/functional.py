"""fastgrad.autograd.functional (torch.autograd.functional): ``vjp`` and ``jacobian`` by reverse mode.

vjp(f, x, v) = v^T J_f(x);  jacobian(f, x)[i][j] = d f_i / d x_j, shaped out_i.shape + x_j.shape
(one backward per output element).  fastgrad has no higher-order gradients, so ``create_graph=True``
raises NotImplementedError, and so do ``jvp`` (torch computes it by the double-backward trick),
``hvp``, ``vhp`` and ``hessian``.
"""
from fastgrad.autograd.grad_mode import enable_grad
from fastgrad.creation import zeros, zeros_like
from fastgrad.functional.shape import stack
from fastgrad.tensor import Tensor

__all__ = ["vjp", "jacobian", "jvp", "hvp", "vhp", "hessian"]

_NO_CREATE_GRAPH = "create_graph=True (higher-order gradients) is not supported by fastgrad"


def _no_double_backward(name: str):
    raise NotImplementedError(f"fastgrad.autograd.functional.{name} needs double backward (higher-order "
                              "gradients), which fastgrad does not support; use jacobian or vjp")


def _as_tuple(inp, arg_name: str, fn_name: str):
    is_tuple = isinstance(inp, tuple)
    if not is_tuple:
        inp = (inp,)
    for i, el in enumerate(inp):
        if not isinstance(el, Tensor):
            where = f"value at index {i}" if is_tuple else f"given {arg_name}"
            raise TypeError(f"The {arg_name} given to {fn_name} must be either a Tensor or a tuple of Tensors but "
                            f"the {where} has type {type(el)}.")
    return is_tuple, inp


def _tuple_postprocess(res, to_unpack):
    if isinstance(to_unpack, tuple):
        if not to_unpack[1]:
            res = tuple(el[0] for el in res)
        if not to_unpack[0]:
            res = res[0]
    elif not to_unpack:
        res = res[0]
    return res


def _check_outputs_require_grad(outputs, strict: bool) -> None:
    if not strict:
        return
    for i, out in enumerate(outputs):
        if not out.requires_grad:
            raise RuntimeError(f"Output {i} of the user-provided function does not require gradients. The outputs "
                               "must be computed in a differentiable manner from the input when running in strict "
                               "mode.")


def _validate_v(v, other, is_other_tuple: bool) -> None:
    if len(other) != len(v):
        if is_other_tuple:
            raise RuntimeError(f"v is a tuple of invalid length: should be {len(other)} but got {len(v)}.")
        raise RuntimeError("The given v should contain a single Tensor.")
    for idx, (el_v, el_other) in enumerate(zip(v, other)):
        if el_v.shape != el_other.shape:
            prepend = f"Entry {idx} in " if is_other_tuple else ""
            raise RuntimeError(f"{prepend}v has invalid size: should be {el_other.shape} but got {el_v.shape}.")


def _autograd_grad(outputs, inputs, grad_outputs=None, retain_graph=None):
    """torch.autograd.grad over the outputs that require grad (None for every input when none does)."""
    from fastgrad.autograd import grad
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if o is not None and o.requires_grad]
    if not pairs:
        return (None,) * len(inputs)
    outs, gouts = zip(*pairs)
    return grad(list(outs), list(inputs), list(gouts), retain_graph=retain_graph, allow_unused=True)


def vjp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(func(*inputs), v^T J): the outputs, detached, and the vector-Jacobian product per input."""
    if create_graph:
        raise NotImplementedError(_NO_CREATE_GRAPH)
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "vjp")
        inputs = tuple(inp.detach().requires_grad_(True) for inp in inputs)
        outputs = func(*inputs)
        is_outputs_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function", "vjp")
        _check_outputs_require_grad(outputs, strict)
        if v is not None:
            _, v = _as_tuple(v, "v", "vjp")
            v = tuple(el.detach() for el in v)
            _validate_v(v, outputs, is_outputs_tuple)
        elif len(outputs) != 1 or outputs[0].numel() != 1:
            raise RuntimeError("The vector v can only be None if the user-provided function returns a single "
                               "Tensor with a single element.")
    grads = _autograd_grad(outputs, inputs, v)
    result = []
    for i, (g, inp) in enumerate(zip(grads, inputs)):
        if g is None:
            if strict:
                raise RuntimeError(f"The output of the user-provided function is independent of input {i}. "
                                   "This is not allowed in strict mode.")
            g = zeros_like(inp)
        result.append(g.detach())
    outputs = tuple(out.detach() for out in outputs)
    return _tuple_postprocess(outputs, is_outputs_tuple), _tuple_postprocess(tuple(result), is_inputs_tuple)


def jacobian(func, inputs, create_graph: bool = False, strict: bool = False, vectorize: bool = False,
             strategy: str = "reverse-mode"):
    """d func(*inputs) / d inputs: a Tensor, or tuples over outputs and/or inputs as torch
    (``vectorize=True`` is accepted and computes the same values row by row)."""
    if strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode". Hint: If your '
                             'function has more outputs than inputs, "forward-mode" tends to be more performant. '
                             'Otherwise, prefer to use "reverse-mode".')
    if strategy == "forward-mode":
        raise NotImplementedError('fastgrad.autograd.functional.jacobian: strategy="forward-mode" needs forward-mode '
                                  'AD, which fastgrad does not have; use strategy="reverse-mode"')
    if create_graph:
        raise NotImplementedError(_NO_CREATE_GRAPH)
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
        inputs = tuple(inp.detach().requires_grad_(True) for inp in inputs)
        outputs = func(*inputs)
        is_outputs_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function", "jacobian")
        _check_outputs_require_grad(outputs, strict)
        if vectorize and strict:
            raise RuntimeError("fastgrad.autograd.functional.jacobian: `strict=True` and `vectorized=True` are not "
                               "supported together. Please either set `strict=False` or `vectorize=False`.")
        jac = []
        for i, out in enumerate(outputs):
            rows = tuple([] for _ in inputs)
            flat = out.reshape(-1)
            for j in range(out.numel()):
                vj = _autograd_grad((flat[j],), inputs, retain_graph=True)
                for k, (row, g, inp) in enumerate(zip(rows, vj, inputs)):
                    if g is None:
                        if strict:
                            raise RuntimeError(f"Output {i} of the user-provided function is independent of "
                                               f"input {k}. This is not allowed in strict mode.")
                        g = zeros_like(inp)
                    row.append(g.detach())
            jac.append(tuple((stack(row, dim=0) if row else zeros(0, *inp.shape, dtype=inp.dtype))
                             .reshape(*out.shape, *inp.shape) for row, inp in zip(rows, inputs)))
    return _tuple_postprocess(tuple(jac), (is_outputs_tuple, is_inputs_tuple))


def jvp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """Not available: torch computes J v by the double-backward trick."""
    _no_double_backward("jvp")


def hvp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """Not available: a Hessian-vector product needs second-order gradients."""
    _no_double_backward("hvp")


def vhp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """Not available: a vector-Hessian product needs second-order gradients."""
    _no_double_backward("vhp")


def hessian(func, inputs, create_graph: bool = False, strict: bool = False, vectorize: bool = False,
            outer_jacobian_strategy: str = "reverse-mode"):
    """Not available: the Hessian needs second-order gradients."""
    _no_double_backward("hessian")
