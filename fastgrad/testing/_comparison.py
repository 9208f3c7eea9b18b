"""assert_close (torch.testing.assert_close): |actual - expected| <= atol + rtol * |expected| elementwise,
over tensors, numpy arrays, numbers, booleans, None and (nested) sequences and mappings of them, with
torch's default tolerances per dtype and torch's AssertionError messages."""
import collections.abc
import math

import numpy as np

from fastgrad.tensor import Tensor

__all__ = ["assert_close"]

# (rtol, atol) per dtype name, as torch.testing; integral and boolean dtypes compare exactly
_DEFAULT_TOLERANCES = {"float16": (1e-3, 1e-5), "bfloat16": (1.6e-2, 1e-5), "float32": (1.3e-6, 1e-5),
                       "float64": (1e-7, 1e-7)}
_NUMBER_DTYPE = {int: "int64", float: "float64"}


class _Mismatch(Exception):
    """A failed comparison: the exception type to raise, its message and the item path."""

    def __init__(self, type_, msg: str, id_=()):
        super().__init__(msg)
        self.type, self.msg, self.id = type_, msg, id_

    def to_error(self, msg=None):
        if not isinstance(msg, str):
            generated = self.msg
            if self.id:
                generated += f"\n\nThe failure occurred for item {''.join(str([item]) for item in self.id)}"
            msg = msg(generated) if msg else generated
        return self.type(msg)


def _dtype_name(dtype) -> str:
    return str(dtype).rsplit(".", 1)[-1]


def _default_tolerances(*names):
    rtols, atols = zip(*(_DEFAULT_TOLERANCES.get(n, (0.0, 0.0)) for n in names))
    return max(rtols), max(atols)


def _tolerances(names, rtol, atol, id_):
    if (rtol is None) ^ (atol is None):
        raise _Mismatch(ValueError, "Both 'rtol' and 'atol' must be either specified or omitted, "
                                    f"but got no {'rtol' if rtol is None else 'atol'}.", id_)
    if rtol is not None:
        return rtol, atol
    return _default_tolerances(*names)


def _mismatch_msg(default_identifier, extra, abs_diff, abs_idx, atol, rel_diff, rel_idx, rtol) -> str:
    equality = rtol == 0 and atol == 0

    def diff_msg(kind, diff, idx, tol):
        if idx is None:
            msg = f"{kind.title()} difference: {diff}"
        else:
            msg = f"Greatest {kind} difference: {diff} at index {idx}"
        if not equality:
            msg += f" (up to {tol} allowed)"
        return msg + "\n"
    msg = f"{default_identifier} are not {'equal' if equality else 'close'}!\n\n"
    if extra:
        msg += f"{extra.strip()}\n"
    msg += diff_msg("absolute", abs_diff, abs_idx, atol)
    msg += diff_msg("relative", rel_diff, rel_idx, rtol)
    return msg.strip()


def _scalar_msg(actual, expected, rtol, atol) -> str:
    abs_diff = abs(actual - expected)
    rel_diff = float("inf") if expected == 0 else abs_diff / abs(expected)
    return _mismatch_msg("Scalars", f"Expected {expected} but got {actual}.", abs_diff, None, atol, rel_diff,
                         None, rtol)


def _compare_numbers(actual, expected, rtol, atol, equal_nan, check_dtype, id_):
    if check_dtype and type(actual) is not type(expected):
        raise _Mismatch(AssertionError, f"The (d)types do not match: {type(actual)} != {type(expected)}.", id_)
    names = [_NUMBER_DTYPE[float if isinstance(v, float) else int] for v in (actual, expected)]
    rtol, atol = _tolerances(names, rtol, atol, id_)
    if actual == expected:
        return
    if equal_nan and math.isnan(actual) and math.isnan(expected):
        return
    abs_diff = abs(actual - expected)
    if math.isfinite(abs_diff) and abs_diff <= atol + rtol * abs(expected):
        return
    raise _Mismatch(AssertionError, _scalar_msg(actual, expected, rtol, atol), id_)


def _as_array(t):
    """(numpy array, dtype name) of a tensor (bfloat16 widened to float32) or an ndarray."""
    if isinstance(t, Tensor):
        name = _dtype_name(t.dtype)
        t = t.detach()
        return (t.float() if name == "bfloat16" else t).numpy(), name
    return t, t.dtype.name


def _common_dtype(a: np.ndarray, b: np.ndarray):
    floats = [x.dtype for x in (a, b) if x.dtype.kind == "f"]
    if floats:                                   # torch: a float beats an integer without widening
        return max(floats, key=lambda d: d.itemsize)
    return np.result_type(a, b)


def _compare_tensors(actual, expected, rtol, atol, equal_nan, check_dtype, id_):
    if actual.shape != expected.shape:
        raise _Mismatch(AssertionError, f"The values for attribute 'shape' do not match: {actual.shape!r} != "
                                        f"{expected.shape!r}.", id_)
    if check_dtype and actual.dtype != expected.dtype:
        raise _Mismatch(AssertionError, f"The values for attribute 'dtype' do not match: {actual.dtype} != "
                                        f"{expected.dtype}.", id_)
    a, a_name = _as_array(actual)
    e, e_name = _as_array(expected)
    rtol, atol = _tolerances([a_name, e_name], rtol, atol, id_)
    if a.dtype != e.dtype:
        common = _common_dtype(a, e)
        a, e = a.astype(common), e.astype(common)
    if a.dtype.kind == "f":                      # torch.isclose: |a - e| <= atol + rtol * |e|, in the dtype
        with np.errstate(invalid="ignore", over="ignore"):
            diff = np.abs(a - e)
            matches = (a == e) | (np.isfinite(diff) & (diff <= atol + rtol * np.abs(e)))
        if equal_nan:
            matches |= np.isnan(a) & np.isnan(e)
    elif a.dtype == np.bool_:
        matches = a == e
    else:
        ai, ei = a.astype(np.int64), e.astype(np.int64)
        matches = np.abs(ai - ei) <= atol + rtol * np.abs(ei)
    if matches.all():
        return
    if a.ndim == 0:
        raise _Mismatch(AssertionError, _scalar_msg(a.item(), e.item(), rtol, atol), id_)
    raise _Mismatch(AssertionError, _tensor_msg(a, e, matches, rtol, atol), id_)


def _tensor_msg(a, e, matches, rtol, atol) -> str:
    total, mismatches = matches.size, matches.size - int(matches.sum())
    extra = f"Mismatched elements: {mismatches} / {total} ({mismatches / total:.1%})"
    a_flat, e_flat, m_flat = a.ravel(), e.ravel(), matches.ravel()
    if a.dtype.kind != "f":
        a_flat, e_flat = a_flat.astype(np.int64), e_flat.astype(np.int64)
    with np.errstate(all="ignore"):
        abs_diff = np.abs(a_flat - e_flat)
        abs_diff[m_flat] = 0
        rel_diff = (abs_diff / np.abs(e_flat)).astype(a_flat.dtype if a.dtype.kind == "f" else np.float32)
    rel_diff[m_flat] = 0
    ia, ir = int(np.argmax(abs_diff)), int(np.argmax(rel_diff))   # argmax picks the first NaN, as torch.max

    def index(i):
        return tuple(int(v) for v in np.unravel_index(i, a.shape))
    return _mismatch_msg("Tensor-likes", extra, abs_diff[ia].item(), index(ia), atol, rel_diff[ir].item(),
                         index(ir), rtol)


def _is_number(x) -> bool:
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, (bool, np.bool_))


def _compare(actual, expected, opts, id_=()):
    seq, mapping = collections.abc.Sequence, collections.abc.Mapping
    if isinstance(actual, seq) and isinstance(expected, seq) and not isinstance(actual, str) \
            and not isinstance(expected, str):
        if len(actual) != len(expected):
            raise _Mismatch(AssertionError, f"The length of the sequences mismatch: {len(actual)} != "
                                            f"{len(expected)}", id_)
        for i, (a, e) in enumerate(zip(actual, expected)):
            _compare(a, e, opts, (*id_, i))
        return
    if isinstance(actual, mapping) and isinstance(expected, mapping):
        ak, ek = set(actual.keys()), set(expected.keys())
        if ak != ek:
            raise _Mismatch(AssertionError, "The keys of the mappings do not match:\n"
                                            f"Missing keys in the actual mapping: {sorted(ek - ak)}\n"
                                            f"Additional keys in the actual mapping: {sorted(ak - ek)}", id_)
        try:
            keys = sorted(ak)
        except TypeError:
            keys = list(actual.keys())
        for key in keys:
            _compare(actual[key], expected[key], opts, (*id_, key))
        return
    if actual is None and expected is None:
        return
    if isinstance(actual, (bool, np.bool_)) and isinstance(expected, (bool, np.bool_)):
        if bool(actual) != bool(expected):
            raise _Mismatch(AssertionError, f"Booleans mismatch: {actual} is not {expected}", id_)
        return
    if _is_number(actual) and _is_number(expected):
        a = float(actual) if isinstance(actual, (float, np.floating)) else int(actual)
        e = float(expected) if isinstance(expected, (float, np.floating)) else int(expected)
        _compare_numbers(a, e, *opts, id_)
        return
    both = (isinstance(actual, Tensor) and isinstance(expected, Tensor)) or \
        (isinstance(actual, np.ndarray) and isinstance(expected, np.ndarray))
    if both:
        _compare_tensors(actual, expected, *opts, id_)
        return
    raise _Mismatch(TypeError, f"No comparison pair was able to handle inputs of type {type(actual)} and "
                               f"{type(expected)}.", id_)


def assert_close(actual, expected, *, allow_subclasses: bool = True, rtol=None, atol=None, equal_nan: bool = False,
                 check_device: bool = True, check_dtype: bool = True, check_layout: bool = True,
                 check_stride: bool = False, msg=None) -> None:
    """Raise AssertionError unless |actual - expected| <= atol + rtol * |expected| everywhere (shapes and,
    with ``check_dtype``, dtypes equal); ``msg`` replaces the message (a str) or maps it (a callable).
    ``check_device`` / ``check_layout`` / ``check_stride`` are accepted: one device, one layout here."""
    try:
        _compare(actual, expected, (rtol, atol, equal_nan, check_dtype))
    except _Mismatch as mismatch:
        raise mismatch.to_error(msg) from None

