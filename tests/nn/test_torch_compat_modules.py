"""ParameterList / ParameterDict, parameters_to_vector / vector_to_parameters, autocast and compile:
torch's registration names, state_dict keys, optimizer visibility and argument checks."""
import numpy as np
import pytest

import fastgrad as fg
import fastgrad.nn as nn
from fastgrad.nn.utils import parameters_to_vector, vector_to_parameters


class Holder(nn.Module):
    def __init__(self):
        super().__init__()
        self.plist = nn.ParameterList([nn.Parameter(fg.ones(3, 3)), fg.zeros(4)])
        self.pdict = nn.ParameterDict({"scale": fg.ones(3), "shift": nn.Parameter(fg.zeros(3))})

    def forward(self, x):
        return (x @ self.plist[0].T) * self.pdict["scale"] + self.pdict["shift"] + self.plist[1][:3].sum()


def test_parameter_list_and_dict_register_their_parameters():
    m = Holder()
    assert list(m.state_dict()) == ["plist.0", "plist.1", "pdict.scale", "pdict.shift"]  # a dict: sorted keys
    assert all(isinstance(p, nn.Parameter) for p in m.parameters()) and len(list(m.parameters())) == 4
    assert len(m.plist) == 2 and list(m.pdict) == ["scale", "shift"] and "scale" in m.pdict
    m.plist.append(fg.ones(1))
    m.pdict["extra"] = fg.ones(1)
    assert len(list(m.parameters())) == 6 and isinstance(m.plist[-1], nn.Parameter)
    opt = fg.optim.SGD(m.parameters(), lr=0.1)
    m(fg.ones(5, 3)).sum().backward()
    opt.step()
    assert not np.allclose(m.pdict["shift"].detach().numpy(), 0)        # the optimizer saw it
    assert m.pdict.pop("extra").shape == (1,) and "extra" not in m.pdict
    assert isinstance(m.plist[0:2], nn.ParameterList) and len(m.plist[0:2]) == 2
    with pytest.raises(IndexError):
        m.plist[7]
    with pytest.raises(KeyError):
        m.pdict["missing"]
    with pytest.raises(RuntimeError, match="ParameterList should not be called"):
        m.plist(1)


def test_parameter_containers_match_torch_keys():
    torch = pytest.importorskip("torch")
    tl = torch.nn.ParameterList([torch.nn.Parameter(torch.ones(2)), torch.zeros(3)])
    fl = nn.ParameterList([nn.Parameter(fg.ones(2)), fg.zeros(3)])
    assert list(tl.state_dict()) == list(fl.state_dict())
    td = torch.nn.ParameterDict({"b": torch.ones(2), "a": torch.zeros(1)})
    fd = nn.ParameterDict({"b": fg.ones(2), "a": fg.zeros(1)})
    assert list(td.state_dict()) == list(fd.state_dict())


def test_parameters_to_vector_roundtrip_and_gradient():
    m = nn.Linear(3, 2)
    vec = parameters_to_vector(m.parameters())
    assert vec.shape == (8,)
    np.testing.assert_array_equal(vec.detach().numpy()[:6], m.weight.detach().numpy().ravel())
    (vec * fg.arange(8.0)).sum().backward()
    np.testing.assert_array_equal(m.bias.grad.numpy(), [6.0, 7.0])
    vector_to_parameters(fg.arange(8.0), m.parameters())
    np.testing.assert_array_equal(m.weight.detach().numpy(), np.arange(6.0).reshape(2, 3))
    with pytest.raises(TypeError, match="expected torch.Tensor"):
        vector_to_parameters(np.zeros(8), m.parameters())


def test_autocast_is_an_accepting_no_op_and_compile_returns_the_model():
    m = nn.Linear(2, 2)
    x = fg.ones(1, 2)
    with fg.autocast(device_type="cpu", dtype=fg.float32):
        inside = m(x)
    with fg.amp.autocast("cpu", enabled=False):
        pass
    assert inside.dtype == fg.float32
    np.testing.assert_array_equal(inside.detach().numpy(), m(x).detach().numpy())

    @fg.autocast("cpu")
    def f(a):
        return a * 2
    assert f(fg.ones(1)).item() == 2
    with pytest.raises(RuntimeError, match="unsupported autocast device_type 'gpu'"):
        fg.autocast("gpu")
    assert fg.compile(m) is m and fg.compile(mode="max-autotune")(f) is f
    assert fg.amp.is_autocast_available("cpu")


@pytest.mark.parametrize("name,shape", [(f"{kind}Pad{d}d", (2, 3, 4, 5, 6)[:d + 2])
                                        for kind in ("Constant", "Zero", "Reflection", "Replication", "Circular")
                                        for d in (1, 2, 3)])
def test_padding_modules_match_f_pad_and_torch(name, shape, rng):
    x = rng.standard_normal(shape)
    kwargs = {"value": 2.5} if name.startswith("Constant") else {}
    mode = {"Constant": "constant", "Zero": "constant", "Reflection": "reflect", "Replication": "replicate",
            "Circular": "circular"}[name.split("Pad")[0]]
    d = int(name[-2])
    m = getattr(nn, name)((1, 2) * d, **kwargs)
    y = m(fg.tensor(x))
    np.testing.assert_array_equal(y.numpy(), fg.nn.functional.pad(fg.tensor(x), (1, 2) * d, mode,
                                                                   2.5 if kwargs else None).numpy())
    torch = pytest.importorskip("torch")
    t = getattr(torch.nn, name)((1, 2) * d, **kwargs)
    assert repr(m) == repr(t)
    np.testing.assert_array_equal(y.numpy(), t(torch.tensor(x)).numpy())


def test_distance_modules(rng):
    a, b = fg.tensor(rng.standard_normal((4, 5))), fg.tensor(rng.standard_normal((4, 5)))
    np.testing.assert_allclose(nn.CosineSimilarity(dim=1)(a, b).numpy(),
                               fg.nn.functional.cosine_similarity(a, b, 1).numpy())
    np.testing.assert_allclose(nn.PairwiseDistance(p=1.0)(a, b).numpy(),
                               fg.nn.functional.pairwise_distance(a, b, 1.0).numpy())
    with pytest.raises(ValueError, match="padding must be an int or a tuple of 4 ints"):
        nn.ZeroPad2d((1, 2, 3))
