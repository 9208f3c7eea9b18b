"""The op-case tables (tests/opcases_*.py) and the helpers they share (opcases.common).  A new
family adds its own tests/opcases_<family>.py with a CASES list; all_cases() finds it."""
import glob
import importlib
import os

_CORE_FIRST = ["opcases_core", "opcases_shape", "opcases_linalg", "opcases_loss", "opcases_conv"]


def table_names():
    """Every opcases_*.py beside this package: the first five in their historical order, then the rest."""
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    found = sorted(os.path.basename(p)[:-3] for p in glob.glob(os.path.join(here, "opcases_*.py")))
    return [n for n in _CORE_FIRST if n in found] + [n for n in found if n not in _CORE_FIRST]


def all_cases():
    """Every case of every table, in the order tests/ops/test_ops.py runs them (imported here, not at
    package import: each table imports opcases.common)."""
    cases = []
    for name in table_names():
        cases += importlib.import_module(name).CASES
    return cases
