"""nn.init: orthogonal_ (torch's QR + sign fix), dirac_ (groups), eye_, sparse_, and the deprecated
underscore-less aliases (FutureWarning, torch's message)."""
import math
import warnings

import numpy as np
import pytest

import fastgrad as fg
import fastgrad.nn.functional as F
from fastgrad.nn import init


@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (4, 4), (6, 2, 3), (1, 7), (7, 1)])
@pytest.mark.parametrize("dtype", [fg.float32, fg.float64])
def test_orthogonal_is_torchs_qr_with_sign_fix_of_the_same_normal_draw(shape, dtype):
    torch = pytest.importorskip("torch")
    w = init.orthogonal_(fg.empty(*shape, dtype=dtype), gain=1.5, generator=fg.Generator().manual_seed(11))
    rows, cols = shape[0], int(np.prod(shape[1:]))
    draw = torch.tensor(np.random.default_rng(11).normal(0.0, 1.0, (rows, cols)))   # the generator's stream
    if rows < cols:
        draw = draw.t()
    q, r = torch.linalg.qr(draw)
    q = q * torch.diag(r, 0).sign()
    if rows < cols:
        q = q.t()
    want = (1.5 * q).reshape(shape).numpy()
    assert w.dtype == dtype
    np.testing.assert_allclose(w.numpy(), want, rtol=1e-6 if dtype == fg.float32 else 1e-12, atol=1e-6)
    flat = w.numpy().astype(np.float64).reshape(rows, cols) / 1.5
    gram = flat @ flat.T if rows <= cols else flat.T @ flat
    np.testing.assert_allclose(gram, np.eye(min(rows, cols)), atol=1e-5)


def test_orthogonal_global_stream_seeding_errors_and_empty():
    fg.manual_seed(3)
    a = init.orthogonal_(fg.empty(4, 6)).numpy()
    fg.manual_seed(3)
    np.testing.assert_array_equal(init.orthogonal_(fg.empty(4, 6)).numpy(), a)
    with pytest.raises(ValueError, match="Only tensors with 2 or more dimensions are supported"):
        init.orthogonal_(fg.empty(3))
    assert init.orthogonal_(fg.empty(0, 3)).shape == fg.Size([0, 3])


@pytest.mark.parametrize("shape,groups", [((4, 2, 3), 1), ((4, 2, 3), 2), ((2, 4, 3, 3), 1), ((6, 2, 3, 4), 3),
                                          ((3, 3, 2, 3, 3), 1), ((1, 1, 1), 1)])
def test_dirac_matches_torch(shape, groups):
    torch = pytest.importorskip("torch")
    want = torch.nn.init.dirac_(torch.empty(shape), groups=groups).numpy()
    np.testing.assert_array_equal(init.dirac_(fg.empty(*shape), groups=groups).numpy(), want)


def test_dirac_conv_is_the_identity_and_errors_as_torch():
    torch = pytest.importorskip("torch")
    x = fg.randn(2, 3, 5, 5)
    w = init.dirac_(fg.empty(3, 3, 3, 3))
    np.testing.assert_allclose(F.conv2d(x, w, padding=1).numpy(), x.numpy(), atol=1e-6)
    for args in [(fg.empty(2, 2),), (fg.empty(3, 2, 3), 2)]:
        with pytest.raises(ValueError) as got:
            init.dirac_(*args)
        with pytest.raises(ValueError) as want:
            torch.nn.init.dirac_(torch.empty(*args[0].shape), *args[1:])
        assert str(got.value) == str(want.value)


def test_eye_matches_torch():
    torch = pytest.importorskip("torch")
    for shape in [(3, 3), (2, 5), (5, 2), (0, 3)]:
        want = torch.nn.init.eye_(torch.empty(shape)).numpy()
        np.testing.assert_array_equal(init.eye_(fg.empty(*shape)).numpy(), want)
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions are supported"):
        init.eye_(fg.empty(2, 2, 2))


@pytest.mark.parametrize("sparsity", [0.0, 0.1, 0.5, 0.99])
def test_sparse_zeros_per_column_and_std(sparsity):
    rows, cols = 200, 60
    w = init.sparse_(fg.empty(rows, cols, dtype=fg.float64), sparsity, std=0.3,
                     generator=fg.Generator().manual_seed(0)).numpy()
    zeros_per_col = (w == 0).sum(axis=0)
    assert (zeros_per_col == math.ceil(sparsity * rows)).all()
    nz = w[w != 0]
    assert abs(nz.std() - 0.3) < 0.03 and abs(nz.mean()) < 0.03
    again = init.sparse_(fg.empty(rows, cols, dtype=fg.float64), sparsity, std=0.3,
                         generator=fg.Generator().manual_seed(0)).numpy()
    np.testing.assert_array_equal(w, again)


def test_sparse_default_std_errors_and_empty():
    torch = pytest.importorskip("torch")
    w = init.sparse_(fg.empty(400, 50), 0.2).numpy()
    assert abs(w[w != 0].std() - 0.01) < 0.001 and w.dtype == np.float32
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions are supported"):
        init.sparse_(fg.empty(3), 0.1)
    assert init.sparse_(fg.empty(0, 3), 0.5).shape == fg.Size([0, 3])
    assert torch.nn.init.sparse_(torch.empty(0, 3), 0.5).shape == (0, 3)


ALIASES = ["uniform", "normal", "constant", "eye", "dirac", "xavier_uniform", "xavier_normal", "kaiming_uniform",
           "kaiming_normal", "orthogonal", "sparse"]
ARGS = {"constant": (0.5,), "sparse": (0.5,)}


@pytest.mark.parametrize("name", ALIASES)
def test_deprecated_aliases_warn_as_torch_and_call_the_new_form(name):
    torch = pytest.importorskip("torch")
    shape = (4, 3, 3) if name == "dirac" else (4, 3)
    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        out = getattr(init, name)(fg.zeros(*shape), *ARGS.get(name, ()))
    with warnings.catch_warnings(record=True) as want:
        warnings.simplefilter("always")
        getattr(torch.nn.init, name)(torch.zeros(shape), *ARGS.get(name, ()))
    assert [(w.category, str(w.message)) for w in got] == [(w.category, str(w.message)) for w in want]
    assert got[0].filename == __file__                  # stacklevel points at the caller
    assert out.shape == fg.Size(shape) and getattr(init, name).__name__ == name
    if name not in ("sparse",):
        assert not np.array_equal(out.numpy(), np.zeros(shape))
    assert set(ALIASES) <= {n for n in dir(torch.nn.init) if not n.startswith("_")}
