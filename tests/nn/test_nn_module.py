"""nn.Module: registration, traversal, modes, state_dict / load_state_dict (torch's contract)."""
import copy

import numpy as np
import pytest

import fastgrad as fg
import fastgrad.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 3)
        self.act = nn.ReLU()
        self.fc2 = nn.Linear(3, 2)
        self.register_buffer("running", fg.zeros(2))
        self.register_buffer("scratch", fg.zeros(1), persistent=False)
        self.scale = nn.Parameter(fg.ones(1))

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x))) * self.scale


def test_module_registration_order_matches_torch_keys():
    net = Net()
    assert list(net.state_dict()) == ["scale", "running", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    assert [n for n, _ in net.named_parameters()] == ["scale", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    assert [n for n, _ in net.named_buffers()] == ["running", "scratch"]
    assert [n for n, _ in net.named_children()] == ["fc1", "act", "fc2"]
    assert [n for n, _ in net.named_modules()] == ["", "fc1", "act", "fc2"]
    assert isinstance(net.fc1.weight, nn.Parameter) and isinstance(net.fc1.weight, fg.Tensor)


def test_module_sequential_keys_are_indices():
    seq = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
    assert list(seq.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_module_shared_parameters_deduplicated():
    lin = nn.Linear(3, 3)
    seq = nn.Sequential(lin, nn.ReLU(), lin)
    assert len(list(seq.parameters())) == 2
    assert len(list(seq.modules())) == 3
    assert len(list(seq.named_parameters(remove_duplicate=False))) == 4
    # state_dict keeps both names, as torch
    assert list(seq.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_module_setattr_rules():
    m = nn.Module()
    m.w = nn.Parameter(fg.zeros(2))
    assert "w" in m._parameters
    with pytest.raises(TypeError):
        m.w = fg.zeros(2)  # plain tensor onto a parameter slot
    m.w = None
    assert m.w is None and list(m.parameters()) == []
    m.sub = nn.Linear(1, 1)
    del m.sub
    assert not hasattr(m, "sub")
    with pytest.raises(AttributeError):
        m.nothing
    with pytest.raises(KeyError):
        m.register_buffer("a.b", fg.zeros(1))


def test_module_train_eval_propagates():
    net = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5))
    assert net.training and net[1].training
    net.eval()
    assert not net.training and not net[1].training
    net.train()
    assert net[1].training
    with pytest.raises(ValueError):
        net.train("yes")


def test_module_zero_grad_set_to_none_default():
    net = nn.Linear(3, 2)
    net(fg.randn(4, 3)).sum().backward()
    assert net.weight.grad is not None
    net.zero_grad(set_to_none=False)
    assert np.all(net.weight.grad.numpy() == 0)
    net.zero_grad()
    assert net.weight.grad is None


def test_module_state_dict_shares_storage_and_is_detached():
    net = nn.Linear(2, 2)
    sd = net.state_dict()
    assert not sd["weight"].requires_grad and not isinstance(sd["weight"], nn.Parameter)
    sd["weight"]._data[0, 0] = 42.0
    assert net.weight._data[0, 0] == 42.0
    assert net.state_dict(keep_vars=True)["weight"] is net.weight


def test_module_load_state_dict_roundtrip_in_place():
    a, b = Net(), Net()
    w = b.fc1.weight
    res = b.load_state_dict(a.state_dict())
    assert res.missing_keys == [] and res.unexpected_keys == []
    assert repr(res) == "<All keys matched successfully>"
    assert b.fc1.weight is w  # copied into the existing parameter
    for k, v in a.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), b.state_dict()[k].numpy())


def test_module_load_state_dict_missing_unexpected():
    net = nn.Sequential(nn.Linear(2, 2))
    sd = dict(net.state_dict())
    del sd["0.bias"]
    sd["0.extra"] = fg.zeros(1)
    sd["1.weight"] = fg.zeros(1)
    with pytest.raises(RuntimeError) as e:
        net.load_state_dict(sd)
    msg = str(e.value)
    assert "Error(s) in loading state_dict for Sequential" in msg
    assert 'Missing key(s) in state_dict: "0.bias"' in msg
    assert '"0.extra"' in msg and '"1.weight"' in msg
    res = net.load_state_dict(sd, strict=False)
    assert res.missing_keys == ["0.bias"]
    assert sorted(res.unexpected_keys) == ["0.extra", "1.weight"]


def test_module_load_state_dict_shape_mismatch_always_raises():
    net = nn.Linear(4, 3)
    bad = {"weight": fg.zeros(2, 4), "bias": fg.zeros(3)}
    for strict in (True, False):
        with pytest.raises(RuntimeError, match=r"size mismatch for weight: copying a param with shape "
                                               r"fastgrad.Size\(\[2, 4\]\) from checkpoint, the shape in "
                                               r"current model is fastgrad.Size\(\[3, 4\]\)"):
            net.load_state_dict(bad, strict=strict)


def test_module_requires_grad_apply_and_repr():
    net = Net()
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())
    seen = []
    net.apply(lambda m: seen.append(type(m).__name__))
    assert seen == ["Linear", "ReLU", "Linear", "Net"]
    assert repr(net) == ("Net(\n  (fc1): Linear(in_features=4, out_features=3, bias=True)\n  (act): ReLU()\n"
                         "  (fc2): Linear(in_features=3, out_features=2, bias=True)\n)")


def test_module_forward_hooks_and_call():
    lin = nn.Linear(2, 2)
    calls = []
    h = lin.register_forward_hook(lambda m, args, out: calls.append(out.shape))
    lin(fg.zeros(3, 2))
    h.remove()
    lin(fg.zeros(3, 2))
    assert calls == [fg.Size([3, 2])]
    with pytest.raises(NotImplementedError):
        nn.Module()(1)


def test_module_deepcopy_and_double():
    net = Net()
    clone = copy.deepcopy(net)
    clone.fc1.weight._data[...] = 0
    assert not np.all(net.fc1.weight.numpy(force=True) == 0)
    assert isinstance(clone.fc1.weight, nn.Parameter)
    net(fg.randn(2, 4)).sum().backward()
    assert net.fc1.weight.grad is not None and copy.deepcopy(net).fc1.weight.grad is None  # torch drops it too
    net.double()
    assert net.fc1.weight.dtype == fg.float64 and net.running.dtype == fg.float64
    assert net(fg.randn(2, 4, dtype=fg.float64)).dtype == fg.float64


def test_parameter_repr_and_sharing():
    t = fg.ones(2)
    p = nn.Parameter(t)
    assert p.requires_grad and p.is_leaf
    assert repr(p) == "Parameter containing:\ntensor([1., 1.], requires_grad=True)"
    p._data[0] = 5
    assert t._data[0] == 5  # shares storage, as torch
    assert not nn.Parameter(fg.ones(1), requires_grad=False).requires_grad


def test_module_get_submodule_and_parameter():
    net = nn.Sequential(nn.Sequential(nn.Linear(1, 2)))
    assert net.get_submodule("0.0") is net[0][0]
    assert net.get_parameter("0.0.bias") is net[0][0].bias
    with pytest.raises(AttributeError):
        net.get_submodule("0.5")


def test_module_load_state_dict_reports_like_torch():
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)

    def build(lib):
        inner = lib.nn.Sequential(lib.nn.Linear(2, 3), lib.nn.ReLU(), lib.nn.Linear(3, 1))
        outer = lib.nn.ModuleDict({"body": inner, "head": lib.nn.Linear(1, 1, bias=False)})
        outer.body[0].register_buffer("stat", lib.zeros(3))
        return outer

    tm, fm = build(torch), build(fg)
    assert list(fm.state_dict()) == list(tm.state_dict())
    keys = list(tm.state_dict())
    sd_keys = [k for k in keys if k != "body.2.bias"] + ["body.9.weight", "head.bias", "body.0.stat.x", "zzz"]
    tres = tm.load_state_dict({k: tm.state_dict()[k] if k in keys else torch.zeros(1) for k in sd_keys}, strict=False)
    fres = fm.load_state_dict({k: fm.state_dict()[k] if k in keys else fg.zeros(1) for k in sd_keys}, strict=False)
    assert fres.missing_keys == tres.missing_keys
    assert fres.unexpected_keys == tres.unexpected_keys
