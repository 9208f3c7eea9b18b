"""Fuzz: random op sequences on random, often wrong, shapes, dtypes, layouts and arguments.

The fuzz loop runs in a child process (``python tests/system/test_fuzz.py``) for a bounded time, so a
segfault or an abort in the C kernels shows up as a failed test with the last operations, not as
a crash of pytest.  The only property asserted is that every failure is a Python ``Exception``.
Exceptions outside the documented set (ValueError, TypeError, RuntimeError, IndexError,
MemoryError, NotImplementedError, OSError and their subclasses), and numpy's own exception
types leaking through, are printed as "undocumented" so they can be turned into clear errors.

Besides ops on bad operands, the loop draws the input classes of issue 14: user autograd.Functions
whose backward returns a gradient of the wrong dtype, shape or type; numpy-side changes (shape,
strides, dtype, resize) to the array behind a tensor between forward and backward; crafted
checkpoints whose checksums are valid; and saves taken while another thread trains.  Two
contract violations are asserted besides "no crash": a crafted checkpoint must fail with
``SerializationError`` (or load), and a checkpoint saved while another thread steps the optimizer
must load.  Saves go to ``io.BytesIO``: an fsync per save would eat the fixed time budget.

    FASTGRAD_FUZZ_SECONDS=120 FASTGRAD_FUZZ_SEED=7 pytest tests/system/test_fuzz.py -s   # a longer run
"""
import io
import json
import os
import subprocess
import sys
import time
import warnings


HERE = os.path.abspath(__file__)


def test_fuzz_random_ops_raise_only_python_exceptions(tmp_path):
    import fastgrad
    seconds = float(os.environ.get("FASTGRAD_FUZZ_SECONDS", "10"))
    seed = int(os.environ.get("FASTGRAD_FUZZ_SEED", "12345"))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [os.path.dirname(os.path.dirname(fastgrad.__file__))] + [p for p in os.environ.get(
            "PYTHONPATH", "").split(os.pathsep) if p]), PYTHONFAULTHANDLER="1")
    trace = tmp_path / "last_ops.txt"
    summary = tmp_path / "summary.json"
    proc = subprocess.run([sys.executable, HERE, str(seconds), str(seed), str(trace), str(summary), str(tmp_path)],
                          env=env, capture_output=True, text=True, timeout=seconds + 120)
    last = trace.read_text() if trace.exists() else ""
    assert proc.returncode == 0, (
        f"fuzz child died with return code {proc.returncode} (negative = signal; a segfault is -11)\n"
        f"last operations (newest last):\n{last}\nstderr:\n{proc.stderr[-6000:]}")
    result = json.loads(summary.read_text())
    new_classes = ("custom_function", "numpy_mutation", "crafted_load", "save_while_training", "save_load")
    drawn = {k: v for k, v in result["drawn"].items() if k in new_classes}
    print(f"\nfuzz: {result['iterations']} ops in {result['seconds']:.1f} s (seed {seed}); "
          f"{result['ok']} returned, exceptions: {result['exceptions']}; issue-14 classes drawn: {drawn}")
    for line in result["slow"]:
        print(f"slow op (> 1 s): {line}")
    if result["undocumented"]:
        print("undocumented or leaked numpy exceptions (should be ValueError/TypeError/RuntimeError naming the op):")
        for k, v in sorted(result["undocumented"].items()):
            print(f"  {k}: {v}")
    assert result["iterations"] >= 200, "the fuzz loop made too little progress"
    assert not result["non_exceptions"], f"BaseException that is not an Exception: {result['non_exceptions']}"
    assert not result["violations"], f"contract violations: {result['violations']}"
    drawn = result["drawn"]
    assert all(drawn.get(k, 0) > 0 for k in ("custom_function", "numpy_mutation", "crafted_load",
                                              "save_while_training")), f"an input class was never drawn: {drawn}"


# ------------------------------------------------------------------------------------------------
# the child: everything below runs in the subprocess
def _child(seconds, seed, trace_path, summary_path, tmpdir):
    import faulthandler
    import collections
    import numpy as np

    faulthandler.enable()
    if "asan" not in os.environ.get("LD_PRELOAD", ""):
        try:  # a runaway allocation becomes a MemoryError instead of the OOM killer
            import resource
            resource.setrlimit(resource.RLIMIT_AS, (6 << 30, 6 << 30))
        except (ImportError, ValueError, OSError):
            pass
    import fastgrad as fg
    import fastgrad.functional as F

    try:
        import fastgrad.nn as nn
    except ImportError:
        nn = None
    try:
        import fastgrad.optim as optim
    except ImportError:
        optim = None

    rng = np.random.default_rng(seed)
    fg.manual_seed(seed)
    trace_fd = os.open(trace_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    recent = collections.deque(maxlen=12)

    def note(text):
        recent.append(text)
        os.lseek(trace_fd, 0, 0)
        data = ("\n".join(recent) + "\n").encode()
        os.write(trace_fd, data)
        os.ftruncate(trace_fd, len(data))

    DT = [np.float32, np.float64, np.float32, np.float64, np.int64, np.bool_, np.float16, np.int32]

    def rshape(max_dims=4):
        nd = int(rng.integers(0, max_dims + 1))
        return tuple(int(s) for s in rng.integers(0, 5, nd))

    def rarray(shape=None, dtype=None):
        shape = rshape() if shape is None else shape
        dtype = DT[rng.integers(len(DT))] if dtype is None else dtype
        a = rng.standard_normal(shape) * 3
        if rng.random() < 0.1 and a.size:
            a.reshape(-1)[rng.integers(a.size)] = [np.nan, np.inf, -np.inf, 0.0, 1e38][rng.integers(5)]
        with np.errstate(all="ignore"):
            a = np.asarray(a.astype(dtype) if dtype != np.bool_ else a > 0)
        kind = rng.integers(6)
        if kind == 0 and a.ndim >= 2:
            a = np.ascontiguousarray(a.T).T
        elif kind == 1 and a.ndim >= 1:
            big = np.zeros(a.shape[:-1] + (a.shape[-1] * 2,), a.dtype)
            big[..., ::2] = a
            a = big[..., ::2]
        elif kind == 2 and a.ndim >= 1:
            a = a[..., ::-1]
        elif kind == 3:
            a = a.copy()
            a.flags.writeable = False
        return a

    def rtensor(shape=None, dtype=None):
        a = rarray(shape, dtype)
        if any(st < 0 for st in a.strides):  # from_numpy refuses negative strides, as torch
            a = a.copy()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a non-writable array: torch's warning
            t = fg.from_numpy(a)
        if t.dtype.kind == "f" and rng.random() < 0.6:
            try:
                t.requires_grad_(True)
            except Exception:
                pass
        return t

    def rdim():
        return [0, 1, -1, 2, -2, 3, 5, -7, None, (0, 1), (0, 0), 1.5, "x"][rng.integers(13)]

    def rsize():
        return [0, 1, 2, 3, -1, -2, 2 ** 46, 7][rng.integers(8)]

    def related(t):
        """A second operand: usually the same or a broadcastable shape, sometimes anything."""
        r = rng.random()
        shape = tuple(t.shape)
        if r < 0.4:
            return rtensor(shape, t.dtype if rng.random() < 0.8 else None)
        if r < 0.6 and shape:
            return rtensor(shape[1:] if rng.random() < 0.5 else (1,) + shape[1:])
        if r < 0.75:
            return float(rng.standard_normal())
        return rtensor()

    pool = []
    current = [""]  # the op being run, for the report

    def pick():
        if pool and rng.random() < 0.6:
            return pool[rng.integers(len(pool))]
        return rtensor()

    def index():
        r = rng.integers(8)
        return [0, -1, 5, slice(None, None, 2), (Ellipsis, 0), [0, 1, 7], None,
                (slice(1, None), slice(None, -1))][r]

    def linear_model():
        if nn is None:
            raise NotImplementedError("nn not available")
        return nn.Linear(int(rng.integers(0, 5)), int(rng.integers(0, 5)), bias=bool(rng.random() < 0.7))

    def opt_step(t):
        if optim is None or nn is None:
            raise NotImplementedError("optim not available")
        p = nn.Parameter(fg.randn(*[int(s) for s in rng.integers(0, 4, rng.integers(0, 3))]))
        kind = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"][rng.integers(5)]
        kw = {"lr": [0.1, -1.0, float("nan"), 0.0][rng.integers(4)]}
        if kind == "SGD" and rng.random() < 0.5:
            kw.update(momentum=0.9, nesterov=bool(rng.random() < 0.5))
        o = getattr(optim, kind)([p], **kw)
        g = rtensor(tuple(p.shape) if rng.random() < 0.7 else None)
        p.grad = g.detach() if isinstance(g, fg.Tensor) else g
        o.step()
        o.zero_grad()
        return p

    from fastgrad.serialization import SerializationError, load, save
    violations = []

    def save_bytes(obj):
        buf = io.BytesIO()
        save(obj, buf)
        return buf.getvalue()

    def save_load(t):
        data = save_bytes({"t": t.detach(), "n": [1, 2.5, None]})
        cut = rng.integers(0, len(data) + 1)
        mode = rng.integers(3)
        if mode == 0:
            data = data[:cut]
        elif mode == 1 and data:
            b = bytearray(data)
            b[min(cut, len(b) - 1)] ^= 1 << int(rng.integers(8))
            data = bytes(b)
        return load(io.BytesIO(data))["t"]

    class BadGrad(fg.autograd.Function):
        """Identity whose backward returns a gradient of a random wrong kind."""
        kind = "dtype"

        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, g):
            k = BadGrad.kind
            if k == "dtype":
                return g.to([fg.float64, fg.float32, fg.int64, fg.bool, fg.float16][rng.integers(5)])
            if k == "shape":
                return rtensor()
            if k == "small":
                return fg.ones(max(g.numel() // 2, 0), dtype=g.dtype)
            if k == "count":
                return g, g
            if k == "none":
                return None
            if k == "noncontig":
                return fg.from_numpy(np.ascontiguousarray(g.numpy().T).T) if g.ndim >= 2 else g
            return [np.ones(tuple(g.shape)), "grad", 1.5][rng.integers(3)]

    def custom_function(t):
        BadGrad.kind = ["dtype", "shape", "small", "count", "none", "noncontig", "junk"][rng.integers(7)]
        layer = ["relu", "sigmoid", "tanh", "gelu", "softplus", "exp", "neg"][rng.integers(7)]
        current[0] = f"custom_function({BadGrad.kind}) after {layer}"
        x = t if t.requires_grad else rtensor(tuple(t.shape), [np.float32, np.float64][rng.integers(2)])
        x.requires_grad_(True)
        y = BadGrad.apply(getattr(F, layer)(x))
        (y.sum() if rng.random() < 0.7 else (y * y).sum()).backward()
        return x.grad

    def numpy_mutation(t):
        a = rarray(rshape(3), [np.float32, np.float64][rng.integers(2)])
        if not a.flags.writeable or not a.flags.c_contiguous:
            a = np.ascontiguousarray(a)
        x = fg.from_numpy(a)
        w = fg.randn(3, a.shape[-1] if a.ndim else 1, dtype=a.dtype, requires_grad=True)
        op = ["linear", "matmul", "relu", "sigmoid", "softmax", "mse"][rng.integers(6)]
        if op in ("relu", "sigmoid", "softmax", "mse"):
            x.requires_grad_(True)
        y = {"linear": lambda: F.linear(x, w), "matmul": lambda: x @ w.t(), "relu": lambda: F.relu(x),
             "sigmoid": lambda: F.sigmoid(x), "softmax": lambda: F.softmax(x, -1),
             "mse": lambda: F.mse_loss(x, fg.zeros(tuple(x.shape), dtype=x.dtype))}[op]()
        arr = a if rng.random() < 0.5 else x.numpy(force=True)
        mut = ["shape", "strides", "resize", "dtype", "readonly"][rng.integers(5)]
        current[0] = f"numpy_mutation({mut}) after {op}"
        try:
            if mut == "shape" and arr.size:
                arr.shape = (arr.size,) if arr.ndim != 1 else (1, arr.size)
            elif mut == "strides" and arr.ndim >= 2:
                arr.strides = arr.strides[::-1]
            elif mut == "resize":
                arr.resize(tuple(int(s) for s in rng.integers(0, 40, rng.integers(1, 3))), refcheck=False)
            elif mut == "dtype":
                arr.dtype = [np.float64, np.float32, np.int32, np.int8][rng.integers(4)]
            elif mut == "readonly":
                arr.flags.writeable = False
        except (ValueError, AttributeError, TypeError):
            pass  # numpy refused the change itself
        y.sum().backward()
        return x.grad if x.requires_grad else w.grad

    def crafted_load(t):
        import struct
        import zlib
        data = save_bytes({"t": t.detach(), "p": nn.Parameter(fg.randn(3)) if nn else None,
                           "l": [1, (2.5, "s"), {"k": None}]})
        hlen = struct.unpack_from("<Q", data, 16)[0]
        meta = json.loads(data[40:40 + hlen])
        junk = [-1, "4", 4.0, True, None, 2 ** 62, -2 ** 63, [], {}, [4], "float32", "P", "<f4", 1e400,
                {"T": 0}, {"L": []}, {"D": [[{"L": []}, 1]]}, {"X": 1}, {"T": 99}]
        where = rng.integers(4)
        if where == 0 and meta["arrays"]:
            m = meta["arrays"][rng.integers(len(meta["arrays"]))]
            key = ["dtype", "shape", "offset", "nbytes", "kind", "requires_grad"][rng.integers(6)]
            if key == "shape" and m["shape"] and rng.random() < 0.5:
                m["shape"][rng.integers(len(m["shape"]))] = junk[rng.integers(len(junk))]
            else:
                m[key] = junk[rng.integers(len(junk))]
        elif where == 1:
            meta["root"] = {"D": [["t", junk[rng.integers(len(junk))]]]}
        elif where == 2:
            v = 1
            for _ in range(int(rng.integers(90, 130))):
                v = {"L": [v]}
            meta["root"] = {"D": [["t", v]]}
        else:
            meta["arrays"] = meta["arrays"] + [dict(meta["arrays"][-1])] if meta["arrays"] else [{"dtype": "float32"}]
        current[0] = f"crafted_load(where={where})"
        h = json.dumps(meta, separators=(",", ":")).encode()
        blob = data[40 + hlen + (-(40 + hlen) % 64):]
        head = struct.pack("<8sIIQQII", b"FASTGRAD", 1, 0, len(h), len(blob), zlib.crc32(h), zlib.crc32(blob))
        try:
            back = load(io.BytesIO(head + h + bytes(-(40 + len(h)) % 64) + blob))
        except SerializationError:
            raise
        except Exception as e:  # noqa: BLE001  -- the documented error is SerializationError
            violations.append(f"crafted checkpoint ({current[0]}, header {h[:160]!r}): "
                              f"{type(e).__name__}: {str(e)[:120]}")
            raise
        return back["t"]

    def save_while_training(t):
        import threading
        if optim is None or nn is None:
            raise NotImplementedError("optim not available")
        params = [nn.Parameter(fg.zeros(int(n))) for n in rng.integers(1, 3000, 3)]
        for p in params:
            p.grad = fg.ones(p.shape[0])
        opt = [optim.SGD, optim.Adam][rng.integers(2)](params, lr=1.0)
        stop = threading.Event()

        def train():
            while not stop.is_set():
                opt.step()

        th = threading.Thread(target=train)
        th.start()
        try:
            for _ in range(int(rng.integers(2, 6))):
                data = save_bytes({"params": params, "opt": opt.state_dict()})
                try:
                    back = load(io.BytesIO(data))
                except Exception as e:  # noqa: BLE001  -- a just-saved checkpoint must load
                    violations.append(f"save while training: {type(e).__name__}: {str(e)[:120]}")
                    raise
                assert [tuple(p.shape) for p in back["params"]] == [tuple(p.shape) for p in params]
        finally:
            stop.set()
            th.join()
        return params[0]

    UNARY = ["relu", "sigmoid", "tanh", "gelu", "softplus", "leaky_relu", "exp", "log", "sqrt", "abs", "neg",
             "sign", "square", "reciprocal", "rsqrt", "log1p", "clone", "isnan", "logical_not"]
    BINARY = ["add", "sub", "mul", "div", "pow", "maximum", "minimum", "eq", "lt", "logical_and", "matmul",
              "floor_divide", "remainder"]
    LOSSES = ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy",
              "binary_cross_entropy_with_logits", "cross_entropy", "nll_loss"]

    def op_unary(t):
        name = current[0] = UNARY[rng.integers(len(UNARY))]
        return name, getattr(F, name, getattr(fg, name, None))(t)

    def op_binary(t):
        name = current[0] = BINARY[rng.integers(len(BINARY))]
        o = related(t)
        fn = getattr(F, name, None) or getattr(fg, name)
        return name, fn(t, o) if rng.random() < 0.8 else fn(o, t)

    def op_reduce(t):
        name = ["sum", "mean", "amax", "max", "min", "var", "std", "argmax", "softmax", "log_softmax", "norm",
                "all", "any"][rng.integers(13)]
        d = rdim()
        current[0] = f"{name}(dim={d!r})"
        if name in ("softmax", "log_softmax"):
            return name, getattr(F, name)(t, d)
        if name == "norm":
            p = [2, 1, float("inf"), 3, 0][rng.integers(5)]
            current[0] = f"norm(p={p}, dim={d!r})"
            return name, t.norm(p=p, dim=d)
        return name, getattr(t, name)(d) if rng.random() < 0.7 else getattr(t, name)(d, True)

    def op_shape(t):
        name = ["reshape", "view", "permute", "transpose", "expand", "repeat", "flatten", "squeeze", "unsqueeze",
                "getitem", "cat", "stack", "split", "chunk", "t", "gather", "masked_fill", "setitem", "contiguous",
                "to"][rng.integers(20)]
        current[0] = name
        if name in ("reshape", "view", "expand", "repeat"):
            shape = tuple(rsize() for _ in range(rng.integers(0, 4)))
            return name, getattr(t, name)(*shape)
        if name == "permute":
            return name, t.permute(*[rdim() for _ in range(t.ndim)])
        if name == "transpose":
            return name, t.transpose(rdim(), rdim())
        if name in ("flatten", "t", "contiguous"):
            return name, getattr(t, name)()
        if name in ("squeeze", "unsqueeze"):
            return name, getattr(t, name)(rdim())
        if name == "getitem":
            return name, t[index()]
        if name == "setitem":
            u = t.detach() if rng.random() < 0.5 else t
            u[index()] = related(t) if rng.random() < 0.5 else 1.0
            return name, u
        if name in ("cat", "stack"):
            return name, getattr(fg, name)([t, related(t)] + ([pick()] if rng.random() < 0.3 else []), rdim())
        if name in ("split", "chunk"):
            return name, getattr(t, name)(rsize(), rdim())[0]
        if name == "gather":
            idx = rtensor(rshape(), [np.int64, np.float32, np.int32][rng.integers(3)])
            if idx.dtype == np.int64:
                idx = fg.from_numpy(rng.integers(-2, 6, tuple(idx.shape)))
            return name, F.gather(t, rdim(), idx)
        if name == "masked_fill":
            return name, t.masked_fill(rtensor(tuple(t.shape) if rng.random() < 0.7 else None, np.bool_), 2.0)
        return name, t.to([fg.float32, fg.float64, fg.int64, fg.bool, "float16"][rng.integers(5)])

    def op_loss(t):
        name = current[0] = LOSSES[rng.integers(len(LOSSES))]
        fn = getattr(F, name)
        kw = {"reduction": ["mean", "sum", "none", "bogus"][rng.integers(4)]}
        if name in ("cross_entropy", "nll_loss"):
            n = t.shape[0] if t.ndim else 1
            c = t.shape[1] if t.ndim > 1 else 3
            tgt = fg.from_numpy(rng.integers(-2, c + 2, (n + int(rng.integers(-1, 2)),) if rng.random() < 0.9 else
                                             rshape()))
            if rng.random() < 0.2:
                tgt = tgt.float()
            if rng.random() < 0.3:
                kw["ignore_index"] = int(rng.integers(-100, 4))
            if name == "cross_entropy" and rng.random() < 0.3:
                kw["label_smoothing"] = float(rng.choice([0.1, -0.5, 1.5]))
            if rng.random() < 0.2:
                kw["weight"] = rtensor((c,) if rng.random() < 0.7 else None)
            return name, fn(t, tgt, **kw)
        return name, fn(t, related(t), **kw)

    def op_backward(t):
        if rng.random() < 0.5:
            return "backward-sum", t.sum().backward()
        g = rtensor(tuple(t.shape) if rng.random() < 0.7 else None)
        return "backward", t.backward(g, retain_graph=bool(rng.random() < 0.3))

    def op_inplace(t):
        name = current[0] = ["add_", "mul_", "sub_", "div_", "zero_", "fill_", "copy_", "clamp_", "__iadd__"][
            rng.integers(9)]
        target = t.detach() if rng.random() < 0.5 else t
        args = {"zero_": (), "clamp_": (-1.0, 1.0)}.get(name, (related(t),))
        return name, getattr(target, name)(*args)

    def op_module(t):
        m = linear_model()
        return "Linear", m(t)

    def op_factory(t):
        name = ["zeros", "ones", "empty", "randn", "rand", "full", "arange", "eye", "randint", "linspace",
                "tensor"][rng.integers(11)]
        current[0] = name
        if name == "full":
            return name, fg.full(tuple(rsize() for _ in range(rng.integers(0, 3))), 1.5)
        if name == "arange":
            return name, fg.arange(rsize(), rsize(), [1, 0, -1, 0.5][rng.integers(4)])
        if name == "eye":
            return name, fg.eye(rsize())
        if name == "randint":
            return name, fg.randint(rsize(), rsize(), (rsize(),))
        if name == "linspace":
            return name, fg.linspace(0, 1, rsize())
        if name == "tensor":
            return name, fg.tensor([[1, 2], [3]] if rng.random() < 0.3 else [1.5, float("nan")])
        return name, getattr(fg, name)(*[rsize() for _ in range(rng.integers(0, 3))])

    OPS = [(op_unary, 5), (op_binary, 6), (op_reduce, 4), (op_shape, 6), (op_loss, 3), (op_backward, 3),
           (op_inplace, 2), (op_module, 1), (op_factory, 1),
           (lambda t: ("optim", opt_step(t)), 1), (lambda t: ("save_load", save_load(t)), 1),
           (lambda t: ("custom_function", custom_function(t)), 1),
           (lambda t: ("numpy_mutation", numpy_mutation(t)), 1),
           (lambda t: ("crafted_load", crafted_load(t)), 1),
           (lambda t: ("save_while_training", save_while_training(t)), 0.12)]
    NAMES = [fn.__name__ for fn, _ in OPS[:9]] + ["optim", "save_load", "custom_function", "numpy_mutation",
                                                   "crafted_load", "save_while_training"]
    drawn, spent = collections.Counter(), collections.Counter()
    weights = np.array([w for _, w in OPS], float)
    weights /= weights.sum()

    DOCUMENTED_TYPES = (ValueError, TypeError, RuntimeError, IndexError, MemoryError, NotImplementedError, OSError)
    counts = collections.Counter()
    undocumented = collections.defaultdict(list)
    non_exceptions = []
    ok = 0
    it = 0
    slow = []
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        it += 1
        k = rng.choice(len(OPS), p=weights)
        fn = OPS[k][0]
        drawn[NAMES[k]] += 1
        current[0] = NAMES[k]
        t = pick()
        desc = f"#{it} {NAMES[k]} on {getattr(t, 'dtype', None)} {tuple(getattr(t, 'shape', ()))} " \
               f"strides={t.stride() if hasattr(t, 'stride') else None} rg={getattr(t, 'requires_grad', None)}"
        note(desc)
        t_op = time.perf_counter()
        try:
            with np.errstate(all="ignore"):
                name, out = fn(t)
            ok += 1
            if isinstance(out, fg.Tensor) and out.numel() < 10 ** 5 and max(out.shape, default=0) <= 64:
                pool.append(out)
                if len(pool) > 24:
                    pool.pop(int(rng.integers(len(pool))))
        except Exception as e:  # noqa: BLE001  -- the property under test
            kind = type(e).__name__
            counts[kind] += 1
            if not isinstance(e, DOCUMENTED_TYPES) or (type(e).__module__.startswith("numpy")
                                                       and not isinstance(e, MemoryError)):
                key = f"{kind} in {current[0].split('(')[0]}"
                if len(undocumented[key]) < 2:
                    undocumented[key].append(f"{current[0]} on {desc.split(' on ', 1)[1]}: {str(e)[:140]}")
        except BaseException as e:  # noqa: BLE001
            non_exceptions.append(f"{desc}: {type(e).__name__}: {e}")
            break
        finally:
            took = time.perf_counter() - t_op
            spent[NAMES[k]] += took
            if took > 1.0 and len(slow) < 10:
                slow.append(f"{took:.1f} s: {current[0]} on {desc.split(' on ', 1)[1]}")
        if it % 500 == 0:
            fg.manual_seed(seed + it)
    os.close(trace_fd)
    with open(summary_path, "w") as f:
        json.dump({"iterations": it, "ok": ok, "seconds": time.perf_counter() - t0, "exceptions": dict(counts),
                   "undocumented": undocumented, "non_exceptions": non_exceptions, "slow": slow,
                   "violations": violations[:10], "drawn": dict(drawn),
                   "spent": {k: round(v, 2) for k, v in spent.items()}}, f)


if __name__ == "__main__":
    import warnings
    warnings.simplefilter("ignore")
    _child(float(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5])
