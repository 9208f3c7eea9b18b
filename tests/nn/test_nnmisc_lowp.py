"""float16 / bfloat16 through the round-5 nn additions (unfold/fold, bilinear, embedding_bag, grid_sample,
affine_grid, lp_pool, local_response_norm, CrossMapLRN2d, pdist, channel_shuffle): the result keeps the input's
dtype and agrees with torch's CPU within a few units in the last place."""
import warnings

import numpy as np
import pytest

import fastgrad as fg
import fastgrad.nn as nn
import fastgrad.nn.functional as F

CASES = {
    "unfold": (lambda L, a: L["F"].unfold(a[0], (2, 3), padding=1, stride=2), [(2, 3, 5, 6)]),
    "fold": (lambda L, a: L["F"].fold(a[0], (4, 5), 2), [(2, 12, 12)]),
    "bilinear": (lambda L, a: L["F"].bilinear(a[0], a[1], a[2], a[3]), [(4, 3), (4, 2), (5, 3, 2), (5,)]),
    "embedding_bag_mean": (lambda L, a: L["F"].embedding_bag(L["tensor"]([[1, 2, 3], [0, 4, 4]]), a[0]), [(5, 3)]),
    "embedding_bag_max": (lambda L, a: L["F"].embedding_bag(L["tensor"]([[1, 2, 3], [0, 4, 4]]), a[0], mode="max"),
                          [(5, 3)]),
    "grid_sample": (lambda L, a: L["F"].grid_sample(a[0], a[1].tanh(), align_corners=False), [(2, 3, 4, 5),
                                                                                             (2, 3, 3, 2)]),
    "affine_grid": (lambda L, a: L["F"].affine_grid(a[0], (2, 3, 4, 5), align_corners=True), [(2, 2, 3)]),
    "lp_pool2d": (lambda L, a: L["F"].lp_pool2d(a[0].abs() + 0.5, 2, 2), [(2, 3, 4, 4)]),
    "local_response_norm": (lambda L, a: L["F"].local_response_norm(a[0], 3), [(2, 5, 3)]),
    "cross_map_lrn2d": (lambda L, a: L["nn"].CrossMapLRN2d(3, 0.1)(a[0]), [(2, 5, 3, 3)]),
    "channel_shuffle": (lambda L, a: L["F"].channel_shuffle(a[0], 2), [(2, 4, 3)]),
}


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_low_precision_matches_torch(name, dtype, rng):
    torch = pytest.importorskip("torch")
    fn, shapes = CASES[name]
    arrays = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    fl = dict(F=F, nn=nn, tensor=fg.tensor, pdist=fg.pdist)
    tl = dict(F=torch.nn.functional, nn=torch.nn, tensor=torch.tensor, pdist=torch.pdist)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ya = fn(fl, [fg.tensor(a).to(getattr(fg, dtype)) for a in arrays])
        yt = fn(tl, [torch.tensor(a).to(getattr(torch, dtype)) for a in arrays])
    assert ya.dtype == getattr(fg, dtype)
    ulp = 2.0 ** (-10 if dtype == "float16" else -7)
    ref = yt.float().numpy()
    np.testing.assert_allclose(ya.float().numpy(), ref, rtol=4 * ulp, atol=4 * ulp * max(1.0, np.abs(ref).max()))


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_low_precision_refused_where_torch_has_no_kernel(dtype):
    """torch's CPU has no float16/bfloat16 pdist, nor the avg_pool3d that its 4-D+ local_response_norm uses."""
    x = fg.ones(4, 3).to(getattr(fg, dtype))
    with pytest.raises(NotImplementedError, match="pdist"):
        fg.pdist(x)
    with pytest.raises(NotImplementedError, match="avg_pool3d"):
        F.local_response_norm(fg.ones(2, 3, 2, 2).to(getattr(fg, dtype)), 2)
    torch = pytest.importorskip("torch")
    with pytest.raises(NotImplementedError):
        torch.pdist(torch.ones(4, 3).to(getattr(torch, dtype)))
    with pytest.raises(NotImplementedError):
        torch.nn.functional.local_response_norm(torch.ones(2, 3, 2, 2).to(getattr(torch, dtype)), 2)
