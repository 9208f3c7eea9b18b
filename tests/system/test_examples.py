"""Each script in examples/ runs (in-process, shortened) and reaches its stated result."""
import importlib.util
import os


EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "examples")


def _load(name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(EXAMPLES, name + ".py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_example_regression_sgd_momentum(capsys):
    mse = _load("regression_sgd_momentum").main(["--steps", "300"])
    assert mse < 0.02
    assert "final mse" in capsys.readouterr().out


def test_example_classifier_custom_module():
    assert _load("classifier_custom_module").main(["--epochs", "4"]) > 0.9


def test_example_gradient_accumulation_matches_big_batch():
    assert _load("gradient_accumulation").main([]) < 1e-5


def test_example_checkpoint_resume_is_exact(tmp_path):
    assert _load("checkpoint_resume").main(["--dir", str(tmp_path)]) == 0.0
    assert (tmp_path / "checkpoint.fg").exists()


def test_every_example_has_a_test():
    names = sorted(f[:-3] for f in os.listdir(EXAMPLES) if f.endswith(".py"))
    tested = {"regression_sgd_momentum", "classifier_custom_module", "gradient_accumulation", "checkpoint_resume",
              "ddp_train"}  # ddp_train: under mpiexec in tests/distributed/test_distributed_example.py
    assert set(names) <= tested, set(names) - tested
