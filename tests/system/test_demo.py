"""python -m fastgrad.demo: trains to >= 95% test accuracy with defaults; options work."""
import os
import subprocess
import sys

import numpy as np
import pytest

import fastgrad.nn as nn
from fastgrad import demo
from fastgrad.serialization import load


def test_demo_dataset_shipped_and_credited():
    X, y = demo.load_digits()
    assert X.shape == (1797, 64) and y.shape == (1797,)
    assert X.min() == 0 and X.max() == 16 and sorted(set(y.tolist())) == list(range(10))
    readme = open(os.path.join(os.path.dirname(demo.DATA), "README.md")).read()
    for words in ("Optical Recognition of Handwritten Digits", "Alpaydin", "Kaynak", "1998", "CC BY 4.0"):
        assert words in readme


def test_demo_split_is_stratified_and_standardised():
    Xtr, ytr, Xte, yte = demo.split_standardise(*demo.load_digits(), seed=0)
    assert len(ytr) + len(yte) == 1797 and abs(len(yte) / 1797 - 0.2) < 0.01
    counts_te, counts_all = np.bincount(yte, minlength=10), np.bincount(demo.load_digits()[1], minlength=10)
    assert np.all(np.abs(counts_te - 0.2 * counts_all) <= 1)
    np.testing.assert_allclose(Xtr.mean(0), 0, atol=1e-5)


def test_demo_defaults_reach_95_percent(capsys):
    result = demo.main([])
    out = capsys.readouterr().out
    assert result["test_acc"] >= 0.95
    assert "final test accuracy" in out and "samples/s" in out and "epoch  30/30" in out
    assert len(result["history"]["loss"]) == 30 and result["history"]["loss"][-1] < result["history"]["loss"][0]


def test_demo_sgd_few_epochs_and_save(tmp_path, capsys):
    path = tmp_path / "digits.fg"
    result = demo.main(["--epochs", "5", "--optimizer", "sgd", "--hidden", "64", "--batch-size", "32",
                        "--seed", "3", "--save", str(path), "--quiet"])
    assert result["test_acc"] >= 0.9
    sd = load(path)
    assert list(sd) == ["net.0.weight", "net.0.bias", "net.2.weight", "net.2.bias"]
    model = demo.MLP(64, [64], 10)
    model.load_state_dict(sd)
    assert isinstance(model.net[0], nn.Linear)


def test_demo_is_reproducible():
    a = demo.main(["--epochs", "2", "--quiet"])
    b = demo.main(["--epochs", "2", "--quiet"])
    assert a["history"] == b["history"]


def test_demo_plot_writes_png_or_explains(tmp_path, capsys):
    path = tmp_path / "curves.png"
    result = demo.main(["--epochs", "2", "--quiet", "--plot", str(path)])
    out = capsys.readouterr().out
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        assert result["plot"] is False and "matplotlib is not installed" in out and not path.exists()
    else:
        assert result["plot"] is True and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_demo_plot_without_matplotlib_exits_cleanly(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib -> ImportError
    result = demo.main(["--epochs", "1", "--quiet", "--plot", str(tmp_path / "x.png")])
    assert result["plot"] is False
    assert "matplotlib is not installed" in capsys.readouterr().out


def test_demo_help_and_bad_arguments(capsys):
    with pytest.raises(SystemExit) as e:
        demo.main(["--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    for opt in ("--epochs", "--batch-size", "--lr", "--optimizer", "--hidden", "--seed", "--save", "--plot"):
        assert opt in out
    with pytest.raises(SystemExit):
        demo.main(["--hidden", "a,b"])
    with pytest.raises(SystemExit):
        demo.main(["--optimizer", "lbfgs"])


def test_demo_runs_as_module():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ, PYTHONPATH=root + os.pathsep + os.environ.get("PYTHONPATH", ""))
    out = subprocess.run([sys.executable, "-m", "fastgrad.demo", "--epochs", "1", "--quiet"], capture_output=True,
                         text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "final test accuracy" in out.stdout


def test_demo_cnn_reaches_98_percent_and_saves_torch_keys(tmp_path, capsys):
    path = tmp_path / "cnn.fg"
    result = demo.main(["--model", "cnn", "--save", str(path)])
    out = capsys.readouterr().out
    assert result["test_acc"] >= 0.98
    assert "CNN 1x8x8" in out and "epoch  20/20" in out and "samples/s" in out
    sd = load(path)
    assert list(sd)[:7] == ["features.0.weight", "features.0.bias", "features.1.weight", "features.1.bias",
                            "features.1.running_mean", "features.1.running_var", "features.1.num_batches_tracked"]
    model = demo.CNN()
    model.load_state_dict(sd)
    assert isinstance(model.features[0], nn.Conv2d) and isinstance(model.features[1], nn.BatchNorm2d)


def test_demo_cnn_rejects_wrong_channel_spec():
    with pytest.raises(SystemExit, match="two channel counts"):
        demo.main(["--model", "cnn", "--hidden", "8", "--quiet"])
