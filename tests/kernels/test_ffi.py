"""_ffi.kernels: the one kernel table, {dtype: compiled function}, built once per name."""
import numpy as np
import pytest

from fastgrad import dtypes
from fastgrad._ffi import kernels, lib


def test_kernels_table_maps_each_float_dtype_to_its_function():
    table = kernels("relu_fwd")
    assert set(table) == set(dtypes.FLOAT_DTYPES)
    assert table[dtypes.float32] is lib.fg_relu_fwd_f32 and table[dtypes.float64] is lib.fg_relu_fwd_f64
    assert table[np.float32] is lib.fg_relu_fwd_f32  # a numpy type works as the key too


def test_kernels_table_is_cached_per_name():
    assert kernels("sum") is kernels("sum")


@pytest.mark.parametrize("dtype", [np.int64, np.float16, np.bool_])
def test_kernels_table_rejects_other_dtypes_naming_the_kernel(dtype):
    with pytest.raises(TypeError, match=r"relu_fwd: expected a floating-point tensor \(float32 or float64\)"):
        kernels("relu_fwd")[np.dtype(dtype)]
