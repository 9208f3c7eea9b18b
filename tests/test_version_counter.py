"""Version counters (torch's ``t._version``) and the check of saved values in backward
(issue 14, item 7): a value saved for backward and then written in place makes backward raise
torch's "modified by an inplace operation" error instead of giving a wrong gradient.  Each
program runs on fastgrad and, where installed, on torch 2.13 as the expected result."""
import re

import numpy as np
import pytest

import fastgrad as fg

MSG = "one of the variables needed for gradient computation has been modified by an inplace operation"
# what both libraries' messages say about the variable: its type and shape, whose output it is,
# its version and the expected one (the library's name prefix and the hint differ)
_DETAIL = re.compile(r"\[(?:\w+\.)?(\w+ \[[\d, ]*\])\](, which is output 0 of \w+,)? is at version (\d+); "
                     r"expected version (\d+) instead")


def _outcome(lib, program):
    try:
        out = program(lib)
    except RuntimeError as e:
        m = _DETAIL.search(str(e).replace("CPUBoolType", "BoolTensor"))   # (torch's name for bool)
        return ("raised", MSG in str(e), m.groups() if m else str(e))
    return ("ok", None if out is None else np.asarray(out.detach().numpy() if hasattr(out, "detach") else out))


def _check(program, raises):
    """The program's outcome on fastgrad (``raises``: the expected one), and torch's as the same."""
    got = _outcome(fg, program)
    assert got[0] == ("raised" if raises else "ok"), got
    if raises:
        assert got[1], got
    torch = pytest.importorskip("torch")
    want = _outcome(torch, program)
    assert got[0] == want[0], (got, want)
    if raises:
        assert got[2] == want[2], (got, want)
    elif got[1] is not None:
        np.testing.assert_allclose(got[1], want[1], rtol=1e-6)


def _wx(L):
    return L.tensor([1.0, 2.0, 3.0], requires_grad=True), L.tensor([1.0, 1.0, 1.0])


# -- the issue's case, and every in-place way of writing the saved tensor ---------------------
def test_version_saved_input_modified_in_place_raises_issue_case():
    def program(L):
        w, x = _wx(L)
        y = (w * x).sum()
        x += 10
        y.backward()
        return w.grad

    _check(program, raises=True)


def test_version_saved_input_modified_under_no_grad_raises():
    def program(L):
        w, x = _wx(L)
        y = (w * x).sum()
        with L.no_grad():
            x += 10
        y.backward()

    _check(program, raises=True)


WRITES = {
    "add_": lambda L, x: x.add_(1.0), "sub_": lambda L, x: x.sub_(1.0), "mul_": lambda L, x: x.mul_(2.0),
    "div_": lambda L, x: x.div_(2.0), "copy_": lambda L, x: x.copy_(L.ones_like(x)), "zero_": lambda L, x: x.zero_(),
    "fill_": lambda L, x: x.fill_(2.0), "clamp_": lambda L, x: x.clamp_(0.0, 0.5),
    "setitem": lambda L, x: x.__setitem__(0, 5.0), "isub": lambda L, x: x.__isub__(1.0),
    "imul": lambda L, x: x.__imul__(3.0), "itruediv": lambda L, x: x.__itruediv__(3.0),
    "uniform_": lambda L, x: x.uniform_(), "normal_": lambda L, x: x.normal_(),
}


@pytest.mark.parametrize("write", sorted(WRITES))
def test_version_every_inplace_write_bumps_and_raises(write):
    def program(L):
        w, x = _wx(L)
        y = (w * x).sum()
        WRITES[write](L, x)
        assert x._version == 1
        y.backward()

    _check(program, raises=True)


@pytest.mark.parametrize("write", sorted(WRITES))
def test_version_counts_match_torch(write):
    torch = pytest.importorskip("torch")
    got, want = [], []
    for L, out in ((fg, got), (torch, want)):
        x = L.zeros(3)
        v = x[1:]  # a view shares the counter
        for _ in range(3):
            WRITES[write](L, x)
            out.append((x._version, v._version))
        WRITES[write](L, v.unsqueeze(0).squeeze(0))
        out.append((x._version, v._version))
    assert got == want


def test_version_failed_write_does_not_bump():
    x = fg.zeros(3)
    with pytest.raises(RuntimeError):
        x.add_(fg.ones(4))
    assert x._version == 0


# -- views, outputs, what is not saved ----------------------------------------------------------
VIEWS = {"view": lambda x: x.view(3), "reshape": lambda x: x.reshape(1, 3), "slice": lambda x: x[1:],
         "detach": lambda x: x.detach(), "unsqueeze": lambda x: x.unsqueeze(0), "expand-source": lambda x: x[None]}


@pytest.mark.parametrize("view", sorted(VIEWS))
def test_version_write_through_a_view_raises(view):
    def program(L):
        w, x = _wx(L)
        y = (w * x).sum()
        v = VIEWS[view](x)
        v.mul_(2.0)
        assert x._version == v._version == 1
        y.backward()

    _check(program, raises=True)


def test_version_saved_output_modified_raises_naming_its_node():
    def program(L):
        w = L.tensor([0.5, 1.0, 2.0], requires_grad=True)
        y = (w * 2).exp()
        with L.no_grad():
            y += 1
        y.sum().backward()

    _check(program, raises=True)


def test_version_saved_nonleaf_input_modified_raises_naming_its_node():
    def program(L):
        w = L.tensor([0.5, 1.0, 2.0], requires_grad=True)
        h = w * 2
        z = (h * h).sum()
        with L.no_grad():
            h.mul_(2)
        z.backward()

    _check(program, raises=True)


KEPT = {"masked_fill mask": (lambda L, x, m, i: x.masked_fill(m, 0.0), "m"),
        "getitem index": (lambda L, x, m, i: x[i], "i"),
        "gather index": (lambda L, x, m, i: x.gather(0, i), "i"),
        "where condition": (lambda L, x, m, i: L.where(m, x, x * 2), "m")}


@pytest.mark.parametrize("case", sorted(KEPT))
def test_version_mask_or_index_kept_for_backward_modified_raises(case):
    """Arrays an op keeps outside its saved values (a mask, an index) are checked too."""
    def program(L):
        x = L.tensor([1.0, 2.0, 3.0], requires_grad=True)
        m = L.tensor([True, False, True])
        i = L.tensor([0, 0, 1])
        fn, which = KEPT[case]
        y = fn(L, x, m, i).sum()
        m.copy_(L.tensor([False, True, False])) if which == "m" else i.add_(1)
        y.backward()

    _check(program, raises=True)


def test_version_input_not_saved_modified_is_fine():
    def program(L):
        w, x = _wx(L)
        y = (w + x).sum()
        x += 10
        y.backward()
        return w.grad

    _check(program, raises=False)


def test_version_input_of_op_saving_its_output_modified_is_fine():
    def program(L):
        w = L.tensor([0.5, 1.0, 2.0], requires_grad=True)
        y = w.exp().sum()
        with L.no_grad():
            w.add_(1.0)
        y.backward()
        return w.grad

    _check(program, raises=False)


def test_version_write_before_forward_or_after_backward_is_fine():
    def program(L):
        w, x = _wx(L)
        x += 1
        y = (w * x).sum()
        y.backward()
        x += 1
        return w.grad

    _check(program, raises=False)


def test_version_second_backward_after_write_raises():
    def program(L):
        w, x = _wx(L)
        y = (w * x).sum()
        y.backward(retain_graph=True)
        x.mul_(3.0)
        y.backward()

    _check(program, raises=True)


def test_version_linear_weight_stepped_between_forward_and_backward_raises():
    """Two layers (the second layer's input requires grad, so torch saves its weight too)."""
    def program(L):
        L.manual_seed(0)
        x = L.ones(4, 3)
        lin1, lin2 = L.nn.Linear(3, 5), L.nn.Linear(5, 2)
        loss = lin2(lin1(x)).sum()
        loss.backward(retain_graph=True)
        L.optim.SGD(list(lin1.parameters()) + list(lin2.parameters()), lr=0.1).step()
        loss.backward()

    got = _outcome(fg, program)   # (torch's init writes count too: compare the step's one write)
    assert got[0] == "raised" and got[1] and int(got[2][2]) - int(got[2][3]) == 1, got
    torch = pytest.importorskip("torch")
    want = _outcome(torch, program)
    assert want[0] == "raised" and int(want[2][2]) - int(want[2][3]) == 1, want


class _SaveInput(fg.autograd.Function):
    @staticmethod
    def forward(ctx, w, x):
        ctx.save_for_backward(x)
        return w * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * x, None


def test_version_user_function_saved_tensor_modified_raises():
    w, x = _wx(fg)
    y = _SaveInput.apply(w, x).sum()
    x.add_(1.0)
    with pytest.raises(RuntimeError, match=MSG):
        y.backward()


def test_version_user_function_writing_before_saving_is_fine():
    class WriteThenSave(fg.autograd.Function):
        @staticmethod
        def forward(ctx, w, x):
            x.mul_(2.0)  # before save_for_backward: the saved value is the written one
            ctx.save_for_backward(x)
            return w * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * x, None

    w, x = _wx(fg)
    WriteThenSave.apply(w, x).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [2.0, 2.0, 2.0])


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop", "Adagrad"])
def test_version_optimizer_step_bumps_parameters_as_torch(name):
    torch = pytest.importorskip("torch")
    got = []
    for L in (fg, torch):
        p = L.nn.Parameter(L.ones(3))
        p.grad = L.ones(3)
        opt = getattr(L.optim, name)([p], lr=0.1)
        opt.step()
        opt.step()
        got.append(p._version)
    assert got[0] == got[1] == 2


def test_version_optimizer_step_bumps_parameters():
    p = fg.nn.Parameter(fg.ones(3))
    q = fg.nn.Parameter(fg.ones(2))
    p.grad = fg.ones(3)  # q has no gradient: not stepped, not bumped
    fg.optim.SGD([p, q], lr=0.1).step()
    assert (p._version, q._version) == (1, 0)


def test_version_data_writes_bump_the_shared_counter():
    """A documented difference: torch gives ``.data`` a counter of its own (writes through it go
    unnoticed); fastgrad's counter belongs to the memory, so they count and are caught."""
    w, x = _wx(fg)
    y = (w * x).sum()
    x.data.add_(1.0)
    assert x._version == 1
    with pytest.raises(RuntimeError, match=MSG):
        y.backward()


def test_version_message_names_type_shape_and_versions():
    w = fg.tensor([[1.0, 2.0]], dtype=fg.float64, requires_grad=True)
    x = fg.ones(1, 2, dtype=fg.float64)
    y = (w * x).sum()
    x += 1
    x += 1
    with pytest.raises(RuntimeError) as e:
        y.backward()
    assert "[fastgrad.DoubleTensor [1, 2]] is at version 2; expected version 0 instead" in str(e.value)
