"""Adamax, NAdam, RAdam, Adadelta: parity with torch (every option combination, float32 and
float64, parameters and state), state_dicts (round trip, a torch one loaded), the multi-tensor
call vs one call per parameter, torch's defaults and errors."""
import itertools

import numpy as np
import pytest

import fastgrad as fg
import fastgrad.nn as nn
import fastgrad.optim as optim


def _torch():
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    return torch


def _combos(**axes):
    keys = list(axes)
    return [dict(zip(keys, vals)) for vals in itertools.product(*axes.values())]


CASES = (
    [("Adamax", kw) for kw in _combos(lr=[2e-3, 0.05], weight_decay=[0, 0.1], maximize=[False, True])]
    + [("Adamax", dict(betas=(0.3, 0.6), eps=1e-3))]
    + [("NAdam", kw) for kw in _combos(weight_decay=[0, 0.1], decoupled_weight_decay=[False, True],
                                       maximize=[False, True], momentum_decay=[4e-3, 0.1])]
    + [("NAdam", dict(lr=0.05, betas=(0.3, 0.8), eps=1e-4))]
    # betas (0.8, 0.9): rho_t > 5 from step 3 (default betas: from step 6); both branches run
    + [("RAdam", kw) for kw in _combos(betas=[(0.9, 0.999), (0.8, 0.9)], weight_decay=[0, 0.1],
                                       decoupled_weight_decay=[False, True], maximize=[False, True])]
    + [("Adadelta", kw) for kw in _combos(lr=[1.0, 0.3], rho=[0.9, 0.4], weight_decay=[0, 0.1],
                                          maximize=[False, True])]
    + [("Adadelta", dict(eps=1e-3, rho=1.0)), ("Adadelta", dict(rho=0.0))]
)
IDS = [f"{n}-{i}" for i, (n, _) in enumerate(CASES)]
SHAPES = [(4, 3), (5,), (1,), (17,)]
STEPS = 20


def _schedule(rng, dtype, steps=STEPS):
    """per step, one gradient per parameter; parameter 1 has none at steps 2 and 3, parameter 3
    none before step 5 (so step counts and mu products differ between parameters)."""
    out = []
    for k in range(steps):
        out.append([None if (i == 1 and k in (2, 3)) or (i == 3 and k < 5)
                    else rng.standard_normal(s).astype(dtype) for i, s in enumerate(SHAPES)])
    return out


def _fg_run(name, kw, p0s, sched, multi=True, opt=None, ps=None):
    if ps is None:
        ps = [nn.Parameter(fg.tensor(p.copy())) for p in p0s]
        opt = getattr(optim, name)(ps, **kw)
    if not multi:
        opt._multi_tensor = False
    for grads in sched:
        for p, g in zip(ps, grads):
            p.grad = None if g is None else fg.tensor(g.copy())
        opt.step()
    return ps, opt


def _torch_run(torch, name, kw, p0s, sched, opt=None, ps=None):
    if ps is None:
        ps = [torch.nn.Parameter(torch.from_numpy(p.copy())) for p in p0s]
        opt = getattr(torch.optim, name)(ps, foreach=False, **kw)
    for grads in sched:
        for p, g in zip(ps, grads):
            p.grad = None if g is None else torch.from_numpy(g.copy())
        opt.step()
    return ps, opt


def _tol(dtype):
    return dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-11, atol=1e-13)


def _assert_like_torch(fps, fopt, tps, topt, dtype):
    for fp, tp in zip(fps, tps):
        np.testing.assert_allclose(fp.numpy(force=True), tp.detach().numpy(), **_tol(dtype))
    fsd, tsd = fopt.state_dict(), topt.state_dict()
    assert fsd["state"].keys() == tsd["state"].keys()
    for k, ts in tsd["state"].items():
        fs = fsd["state"][k]
        assert sorted(fs) == sorted(ts)
        for key, tv in ts.items():
            fv = fs[key].numpy()
            assert fv.shape == tuple(tv.shape), key
            if tv.dim() == 0:   # step, mu_product: 0-d float32 tensors, as torch's
                assert fv.dtype == np.float32 and tv.numpy().dtype == np.float32, key
                np.testing.assert_allclose(fv, tv.numpy(), rtol=1e-6, err_msg=key)
            else:
                assert fv.dtype == dtype, key
                np.testing.assert_allclose(fv, tv.numpy(), **_tol(dtype), err_msg=key)
    fg_groups = fsd["param_groups"]
    tg_groups = tsd["param_groups"]
    assert [sorted(g) for g in fg_groups] == [sorted(g) for g in tg_groups]
    for fgp, tgp in zip(fg_groups, tg_groups):
        for key in tgp:
            want = tuple(tgp[key]) if key == "betas" else tgp[key]
            if key != "foreach":   # (False given to torch: its single-tensor path, as fastgrad's formulas)
                assert fgp[key] == want, key


@pytest.mark.parametrize("name, kw", CASES, ids=IDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_optim_more_matches_torch(name, kw, dtype, rng):
    torch = _torch()
    p0s = [rng.standard_normal(s).astype(dtype) for s in SHAPES]
    sched = _schedule(rng, dtype)
    fps, fopt = _fg_run(name, kw, p0s, sched)
    tps, topt = _torch_run(torch, name, kw, p0s, sched)
    _assert_like_torch(fps, fopt, tps, topt, dtype)


@pytest.mark.parametrize("name, kw", CASES[::3], ids=IDS[::3])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_optim_more_multi_tensor_matches_per_param_bitwise(name, kw, dtype, rng):
    p0s = [rng.standard_normal(s).astype(dtype) for s in SHAPES]
    sched = _schedule(rng, dtype, 8)
    a, oa = _fg_run(name, kw, p0s, sched)
    b, ob = _fg_run(name, kw, p0s, sched, multi=False)
    assert len(oa._plans) == 1 and len(oa._plans[id(oa.param_groups[0])].calls) == 1
    for x, y in zip(a, b):
        assert x.numpy(force=True).tobytes() == y.numpy(force=True).tobytes()
    sa, sb = oa.state_dict()["state"], ob.state_dict()["state"]
    for k in sa:
        for key in sa[k]:
            assert sa[k][key].numpy().tobytes() == sb[k][key].numpy().tobytes(), (k, key)


@pytest.mark.parametrize("name, kw", [("Adamax", dict(weight_decay=0.1)),
                                      ("NAdam", dict(weight_decay=0.1, decoupled_weight_decay=True)),
                                      ("RAdam", dict(betas=(0.8, 0.9))), ("Adadelta", dict(rho=0.5))])
def test_optim_more_state_dict_round_trip_continues_identically(name, kw, rng):
    p0s = [rng.standard_normal(s).astype(np.float32) for s in SHAPES]
    sched = _schedule(rng, np.float32, 12)
    full, _ = _fg_run(name, kw, p0s, sched)
    half, opt = _fg_run(name, kw, p0s, sched[:6])
    sd = opt.state_dict()
    ps = [nn.Parameter(fg.tensor(p.numpy(force=True).copy())) for p in half]
    opt2 = getattr(optim, name)(ps, lr=123.0)
    opt2.load_state_dict(sd)
    assert opt2.param_groups[0]["lr"] == opt.param_groups[0]["lr"]
    _fg_run(name, kw, None, sched[6:], opt=opt2, ps=ps)
    for a, b in zip(ps, full):
        assert a.numpy(force=True).tobytes() == b.numpy(force=True).tobytes()


@pytest.mark.parametrize("name, kw", [("Adamax", dict(maximize=True)), ("NAdam", dict(weight_decay=0.1)),
                                      ("RAdam", dict(decoupled_weight_decay=True, weight_decay=0.1)),
                                      ("Adadelta", dict(weight_decay=0.1))])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_optim_more_loads_torch_state_dict(name, kw, dtype, rng):
    """torch runs 7 steps; its state_dict, converted to numpy leaf by leaf, loads into fastgrad;
    both continue and stay equal."""
    torch = _torch()
    p0s = [rng.standard_normal(s).astype(dtype) for s in SHAPES]
    sched = _schedule(rng, dtype, 14)
    tps, topt = _torch_run(torch, name, kw, p0s, sched[:7])
    tsd = topt.state_dict()
    conv = {"state": {k: {n: fg.tensor(v.numpy()) for n, v in s.items()} for k, s in tsd["state"].items()},
            "param_groups": tsd["param_groups"]}
    fps = [nn.Parameter(fg.tensor(p.detach().numpy().copy())) for p in tps]
    fopt = getattr(optim, name)(fps, lr=0.5)
    fopt.load_state_dict(conv)
    assert fopt.state[fps[0]]["step"] == 7 and fopt.state[fps[3]]["step"] == 2
    _fg_run(name, kw, None, sched[7:], opt=fopt, ps=fps)
    _torch_run(torch, name, kw, None, sched[7:], opt=topt, ps=tps)
    _assert_like_torch(fps, fopt, tps, topt, dtype)


def test_nadam_mu_product_is_the_product_of_mu_in_float32():
    p = nn.Parameter(fg.zeros(3))
    opt = optim.NAdam([p], betas=(0.9, 0.999), momentum_decay=0.004)
    want = np.float32(1.0)
    for t in range(1, 9):
        p.grad = fg.ones(3)
        opt.step()
        want = np.float32(want * np.float32(0.9 * (1 - 0.5 * 0.96 ** (t * 0.004))))
        assert opt.state[p]["mu_product"] == float(want)
        assert opt.state[p]["step"] == t


def test_optim_more_float16_param_steps_in_float32(rng):
    """A float16 parameter steps through the float32 kernel (optim/_lowp.py); NAdam's mu_product
    advances as for a float32 one."""
    p0 = rng.standard_normal(9).astype(np.float32)
    g = rng.standard_normal(9).astype(np.float32)
    for name in ("Adamax", "NAdam", "RAdam", "Adadelta"):
        a = nn.Parameter(fg.tensor(p0.astype(np.float16)))
        b = nn.Parameter(fg.tensor(p0.astype(np.float16).astype(np.float32)))
        oa, ob = getattr(optim, name)([a], lr=0.1), getattr(optim, name)([b], lr=0.1)
        for _ in range(3):
            a.grad = fg.tensor(g.astype(np.float16))
            b.grad = fg.tensor(g.astype(np.float16).astype(np.float32))
            oa.step()
            ob.step()
            b.data = fg.tensor(b.numpy(force=True).astype(np.float16).astype(np.float32))
        assert a.dtype == fg.float16
        np.testing.assert_allclose(a.numpy(force=True).astype(np.float32), b.numpy(force=True), rtol=2e-3, atol=1e-3)
        if name == "NAdam":
            assert oa.state[a]["mu_product"] == ob.state[b]["mu_product"]


@pytest.mark.parametrize("name", ["Adamax", "NAdam", "RAdam"])
def test_optim_more_beta1_cycled_by_cycliclr_matches_torch(name, rng):
    torch = _torch()
    p0s = [rng.standard_normal(s).astype(np.float32) for s in SHAPES]
    sched = _schedule(rng, np.float32, 15)
    fps = [nn.Parameter(fg.tensor(p.copy())) for p in p0s]
    tps = [torch.nn.Parameter(torch.from_numpy(p.copy())) for p in p0s]
    fopt, topt = getattr(optim, name)(fps), getattr(torch.optim, name)(tps, foreach=False)
    fs = optim.lr_scheduler.CyclicLR(fopt, 0.001, 0.01, step_size_up=3, base_momentum=0.7, max_momentum=0.95)
    ts = torch.optim.lr_scheduler.CyclicLR(topt, 0.001, 0.01, step_size_up=3, base_momentum=0.7, max_momentum=0.95)
    for grads in sched:
        _fg_run(name, {}, None, [grads], opt=fopt, ps=fps)
        _torch_run(torch, name, {}, None, [grads], opt=topt, ps=tps)
        fs.step()
        ts.step()
    for fp, tp in zip(fps, tps):
        np.testing.assert_allclose(fp.numpy(force=True), tp.detach().numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["Adamax", "NAdam", "RAdam", "Adadelta"])
def test_optim_more_defaults_match_torch(name):
    torch = _torch()
    f = getattr(optim, name)([nn.Parameter(fg.zeros(1))])
    t = getattr(torch.optim, name)([torch.nn.Parameter(torch.zeros(1))])
    assert sorted(f.defaults) == sorted(t.defaults)
    for k, v in t.defaults.items():
        assert f.defaults[k] == (tuple(v) if k == "betas" else v), k
    assert repr(f).startswith(name + " (\nParameter Group 0\n")


BAD = [
    ("Adamax", dict(lr=-1.0)), ("Adamax", dict(eps=-1e-8)), ("Adamax", dict(betas=(1.0, 0.9))),
    ("Adamax", dict(betas=(0.9, -0.1))), ("Adamax", dict(weight_decay=-1)),
    ("NAdam", dict(lr=-0.5)), ("NAdam", dict(eps=-1.0)), ("NAdam", dict(betas=(-0.1, 0.9))),
    ("NAdam", dict(betas=(0.9, 1.0))), ("NAdam", dict(weight_decay=-0.1)), ("NAdam", dict(momentum_decay=-1e-3)),
    ("RAdam", dict(lr=-1e-3)), ("RAdam", dict(eps=-1.0)), ("RAdam", dict(betas=(1.5, 0.9))),
    ("RAdam", dict(betas=(0.9, 1.0))), ("RAdam", dict(weight_decay=-2)),
    ("Adadelta", dict(lr=-1.0)), ("Adadelta", dict(rho=1.1)), ("Adadelta", dict(rho=-0.1)),
    ("Adadelta", dict(eps=-1e-6)), ("Adadelta", dict(weight_decay=-1e-2)),
]


@pytest.mark.parametrize("name, kw", BAD, ids=[f"{n}-{i}" for i, (n, _) in enumerate(BAD)])
def test_optim_more_invalid_arguments_raise_as_torch(name, kw):
    torch = _torch()
    with pytest.raises(ValueError) as te:
        getattr(torch.optim, name)([torch.nn.Parameter(torch.zeros(1))], **kw)
    with pytest.raises(ValueError) as fe:
        getattr(optim, name)([nn.Parameter(fg.zeros(1))], **kw)
    assert str(fe.value) == str(te.value)


def test_optim_more_skip_params_without_grad_and_need_params():
    for name in ("Adamax", "NAdam", "RAdam", "Adadelta"):
        with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
            getattr(optim, name)([])
        p = nn.Parameter(fg.ones(2))
        opt = getattr(optim, name)([p])
        opt.step()
        assert not opt.state[p] and p.numpy(force=True).tolist() == [1.0, 1.0]


def test_nadam_rejected_gradient_leaves_steps_and_mu_products():
    a, b = nn.Parameter(fg.ones(3)), nn.Parameter(fg.ones(2))
    opt = optim.NAdam([a, b])
    a.grad, b.grad = fg.ones(3), fg.ones(2)
    opt.step()
    before = {p: dict(opt.state[p]) for p in (a, b)}
    b._grad = fg.ones(5)   # wrong shape (set behind .grad's check): the step is refused before any update
    with pytest.raises(RuntimeError):
        opt.step()
    for p in (a, b):
        assert opt.state[p]["step"] == before[p]["step"] == 1
        assert opt.state[p]["mu_product"] == before[p]["mu_product"]


@pytest.mark.parametrize("name, key, value", [("NAdam", "momentum_decay", 0.5), ("RAdam", "betas", (0.5, 0.9)),
                                              ("Adamax", "eps", 0.1), ("Adadelta", "rho", 0.3)])
def test_optim_more_follows_group_options_changed_between_steps(name, key, value, rng):
    torch = _torch()
    p0s = [rng.standard_normal(s).astype(np.float32) for s in SHAPES]
    sched = _schedule(rng, np.float32, 8)
    fps, fopt = _fg_run(name, {}, p0s, sched[:4])
    tps, topt = _torch_run(torch, name, {}, p0s, sched[:4])
    fopt.param_groups[0][key] = value
    topt.param_groups[0][key] = value
    _fg_run(name, {}, None, sched[4:], opt=fopt, ps=fps)
    _torch_run(torch, name, {}, None, sched[4:], opt=topt, ps=tps)
    _assert_like_torch(fps, fopt, tps, topt, np.float32)
