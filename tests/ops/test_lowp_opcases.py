"""The op table (tests/opcases_*.py) in float16 and bfloat16 against torch: every case with a torch
form gives torch's dtype and values within half-precision rounding, or fails where torch fails
(with torch's exception type): fastgrad/lowp.py computes them in float32 and rounds."""
import numpy as np
import pytest

import fastgrad as fg
from opcases import all_cases
from opcases.common import _inputs

torch = pytest.importorskip("torch")

# cases whose torch form cannot run in low precision for a reason of the case itself
_CASE_ONLY = {"eval-4d": "its torch form passes float64 running statistics to a low-precision input"}
CASES = [c for c in all_cases() if c["torch"] is not None and c["id"] not in _CASE_ONLY]


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("dt", ["float16", "bfloat16"])
@pytest.mark.parametrize("c", CASES, ids=[c["id"] for c in CASES])
def test_op_in_low_precision_matches_torch(c, dt):
    arrays = [a.astype(np.float32) for a in _inputs(c)]
    try:
        theirs, err = c["torch"](*[torch.from_numpy(a).to(getattr(torch, dt)) for a in arrays]), None
    except Exception as e:  # noqa: BLE001  (torch refuses some ops in low precision: so must we)
        theirs, err = None, e
    ours_inputs = [fg.tensor(a).to(getattr(fg, dt)) for a in arrays]
    if err is not None:
        with pytest.raises(type(err)):
            c["fn"](*ours_inputs)
        return
    ours = c["fn"](*ours_inputs)
    if isinstance(theirs, (tuple, list)):
        theirs, ours = theirs[0], ours[0]
    assert str(ours.dtype).split(".")[1] == str(theirs.dtype).split(".")[1]
    t = theirs.detach()
    t = (t.float() if t.dtype.is_floating_point else t).numpy()
    o = ours.detach()
    o = o.float().numpy() if o.dtype.is_floating_point else o.numpy()
    np.testing.assert_allclose(o, t, rtol=3e-2, atol=3e-2, equal_nan=True)
