"""float16 and bfloat16: storage, exact casts, and arithmetic computed in float32 then rounded.

numpy has no bfloat16, so a bfloat16 array holds raw 2-byte values (numpy's 'V2', viewed as uint16
for the bits): numpy arithmetic refuses it, and so do numpy's conversions from numbers (a structured
'<u2' dtype would take 2.0 as the bits 0x0002), so nothing misreads it silently.  float32 -> bfloat16
rounds to nearest even (a NaN becomes the quiet NaN 0x7FC0, as torch's scalar conversion);
bfloat16 -> float32 is a 16-bit shift.  Other dtypes go through float32, as torch's casts do.

Arithmetic, as torch's CPU: an op whose inputs are float16/bfloat16 runs its float32 kernels and
its float output is rounded back.  The cost is paid only by those inputs: the kernel table of
``_ffi`` raises ``LowPrecision`` on a float16/bfloat16 miss (and numpy refuses bfloat16), and
``Function.apply*`` catches it (a ``try`` costs nothing when nothing is raised) and calls
``apply_lowp``, which reruns the op on float32 copies through a subclass of the op whose backward
converts too.  Gradients travel between nodes as float32 arrays holding values rounded to the
input's dtype (what torch's half-precision gradients hold) and reach a leaf in its own dtype.
"""
import numpy as np

__all__ = ["BF16", "F16", "LOWP", "LowPrecision", "to_float32", "from_float32", "cast", "is_lowp",
           "apply_lowp", "accumulate_leaf", "round_trip", "refuse", "values", "order_key", "via_float32"]

BF16 = np.dtype("V2")  # the storage of fastgrad.bfloat16 (fastgrad.dtypes.bfloat16)
F16 = np.dtype(np.float16)
F32 = np.dtype(np.float32)
LOWP = frozenset((F16, BF16))
_U16, _U32 = np.dtype(np.uint16), np.dtype(np.uint32)
_HIGH = np.uint32(0xFFFF0000)


class LowPrecision(TypeError):
    """A kernel table was asked for float16/bfloat16: Function.apply reruns the op in float32."""


def is_lowp(d) -> bool:
    return d in LOWP


def refuse(d, kernel, op=None) -> None:
    """torch's NotImplementedError for an op its CPU has no float16/bfloat16 kernel for."""
    if d in LOWP:
        raise NotImplementedError(f"{op + ': ' if op else ''}\"{kernel}\" not implemented for '{TORCH_NAME[d]}'")


def to_float32(a: np.ndarray) -> np.ndarray:
    """float16/bfloat16 array -> float32 (exact)."""
    if a.dtype == BF16:
        if not a.flags.c_contiguous:
            a = np.ascontiguousarray(a)
        b = np.asarray(a.view(_U16).astype(_U32))
        b <<= 16
        return b.view(F32)
    return a.astype(F32)


def _rounded_u32(x: np.ndarray) -> np.ndarray:
    """float32 x rounded to bfloat16 (nearest even), as float32 bits (low 16 bits 0); NaN -> 0x7FC0."""
    if not x.flags.c_contiguous or x.dtype != F32:
        x = np.ascontiguousarray(x, dtype=F32)
    u = x.view(_U32)
    t = np.asarray(u >> 16)
    t &= 1
    t += 0x7FFF
    t += u  # (no wrap-around short of a NaN, which is replaced below)
    t &= _HIGH
    if x.size and x.max() != x.max():  # a NaN somewhere (max propagates it)
        t[np.isnan(x)] = 0x7FC00000
    return t


def _bf16_bits(x: np.ndarray) -> np.ndarray:
    """float32 -> bfloat16 bits (uint16), round to nearest even, NaN -> 0x7FC0."""
    t = _rounded_u32(x)
    t >>= 16
    return t.astype(_U16)


def from_float32(a: np.ndarray, d) -> np.ndarray:
    """float32 array -> float16 or bfloat16 (round to nearest even)."""
    if d == BF16:
        return _bf16_bits(a).view(BF16)
    return a.astype(d)


def round_trip(a: np.ndarray, d) -> np.ndarray:
    """a (float32) rounded to the values of dtype d, kept as float32."""
    if d == BF16:
        return _rounded_u32(a).view(F32)
    return a.astype(d).astype(F32)


def cast(a, d) -> np.ndarray:
    """np.asarray(a).astype(d) where a's dtype or d may be bfloat16 (through float32, as torch);
    a may be a Python number or sequence."""
    a = np.asarray(a)
    d = np.dtype(d)
    with np.errstate(over="ignore", invalid="ignore"):  # (torch's casts do not warn)
        return _cast(a, d)


def _cast(a, d):
    if a.dtype == d:
        return a.copy()
    if a.dtype == BF16:
        f = to_float32(a)
        return f if d == F32 else f.astype(d)
    if d == BF16:
        if a.dtype.kind == "c":
            a = a.real
        return from_float32(a.astype(F32), d).reshape(a.shape)
    if d == F16 and a.dtype.kind == "f" and a.dtype != F16:  # as torch: double -> float -> half
        return a.astype(F32).astype(d)
    return a.astype(d)


def values(a: np.ndarray) -> np.ndarray:
    """a itself, or its float32 values when bfloat16 (for numpy code that reads values: ordering,
    isnan, comparisons)."""
    return to_float32(a) if a.dtype == BF16 else a


order_key = values

def compare_operands(a: np.ndarray, b: np.ndarray, a_tensor=True, b_tensor=True):
    """Two arrays to compare where one is float16/bfloat16, as arrays holding the values of torch's
    promoted dtype: an integer tensor or a Python number against a float16/bfloat16 tensor is
    rounded to that dtype first; float16 against bfloat16 compares exactly (float32)."""
    out = []
    for v, other, is_t in ((a, b, a_tensor), (b, a, b_tensor)):
        if v.dtype in LOWP:
            v = to_float32(v)
        elif other.dtype in LOWP and (v.dtype.kind not in "fV" or not is_t):
            v = round_trip(np.asarray(v, F32), other.dtype)
        out.append(v)
    return out


def via_float32(fn, *args, **kwargs):
    """fn on float32 copies of its bfloat16 Tensor arguments, float32 results cast back (differentiably):
    for the few functions whose numpy code reads values before any kernel is looked up."""
    d = next(a._data.dtype for a in args if getattr(a, "_data", None) is not None and a._data.dtype == BF16)
    up = lambda a: a.float() if getattr(a, "_data", None) is not None and a._data.dtype == BF16 else a  # noqa: E731
    out = fn(*[up(a) for a in args], **{k: up(v) for k, v in kwargs.items()})
    down = lambda o: o.to(d) if getattr(o, "_data", None) is not None and o._data.dtype == F32 else o  # noqa: E731
    if isinstance(out, tuple):
        return type(out)(*map(down, out)) if hasattr(out, "_fields") else tuple(map(down, out))
    return down(out)


# -- arithmetic: the float32 rerun ------------------------------------------------------------
_SUBCLASSES = {}
TORCH_NAME = {F16: "Half", BF16: "BFloat16"}  # as torch's "not implemented for 'Half'" errors name them


def _lowp_class(cls):
    """The subclass of op ``cls`` whose backward converts: dy to float32, gradients rounded to
    each input's dtype (float32 arrays between nodes, the input's dtype for a leaf)."""
    sub = _SUBCLASSES.get(cls)
    if sub is None:
        def backward(ctx, dy):
            out = ctx.lowp_out
            if dy.dtype in LOWP:
                dy = to_float32(dy)
            elif out is not None and dy.dtype == F32:
                dy = round_trip(dy, out)  # a sum of gradients: rounded, as torch's half add
            grads = cls.backward(ctx, dy)
            single = type(grads) is not tuple
            grads = (grads,) if single else grads
            res = []
            for g, d, e in zip(grads, ctx.lowp_in, ctx.inputs):
                if g is not None and d is not None and isinstance(g, np.ndarray) and g.dtype == F32:
                    g = from_float32(g, d) if e is not None and not hasattr(e, "seq") else round_trip(g, d)
                res.append(g)
            res.extend(grads[len(res):])
            return res[0] if single else tuple(res)

        sub = type(cls.__name__, (cls,), {"backward": staticmethod(backward), "__module__": cls.__module__})
        _SUBCLASSES[cls] = sub
    return sub


def apply_lowp(cls, args, node, new, make, grad_enabled, tensor_type):
    """Function.apply for an op refused float16/bfloat16: rerun on float32 copies, output rounded
    back; recorded as ``_lowp_class(cls)`` when an input requires grad."""
    arrays, edges, lowp_in, record = [], [], [], False
    kinds = set()
    for a in args:
        t = a if isinstance(a, tensor_type) else None
        v = a._data if t is not None else a
        d = v.dtype if isinstance(v, np.ndarray) else None
        if d in LOWP:
            kinds.add(d)
            lowp_in.append(d)
            v = to_float32(v)
        else:
            lowp_in.append(None)
        arrays.append(v)
        if t is not None and grad_enabled and t.requires_grad:
            record = True
            edges.append(t.grad_fn or t)
        else:
            edges.append(None)
    if not kinds:
        return None
    out_d = next(iter(kinds)) if len(kinds) == 1 else None  # (float16 with bfloat16: float32)
    sub = _lowp_class(cls)
    if record:
        ctx = node(sub, tuple(edges))
    else:
        ctx = new(sub)
        ctx.saved = ()
    ctx.lowp_in = tuple(lowp_in)
    ctx.lowp_out = out_d
    out32 = out = cls.forward(ctx, *arrays)
    if out_d is not None and isinstance(out, (np.ndarray, np.generic)) and out.dtype == F32:
        out = from_float32(np.asarray(out), out_d)
    if record and isinstance(ctx.saved, tuple) and ctx.saved:  # the version check (autograd/version.py)
        kept = {id(v) for v in ctx.saved}  # sees the float16/bfloat16 arrays behind the float32 copies saved
        src = [a._data for a, v in zip(args, arrays) if id(v) in kept and isinstance(a, tensor_type)]
        ctx.lowp_sources = tuple(src + ([out] if id(out32) in kept else []))
    return make(out, ctx if record else None)


def accumulate_leaf(t, g, make):
    """t.grad += g for a bfloat16 leaf (numpy can neither add nor cast bfloat16)."""
    g32 = to_float32(g) if g.dtype in LOWP else np.asarray(g, F32)
    if t._grad is None:
        t._grad = make(from_float32(g32, BF16), None)
    else:
        t._grad._data[...] = from_float32(to_float32(t._grad._data) + g32, BF16)
