"""The op-case tables (tests/opcases_*.py) and the helpers they share (opcases.common)."""


def all_cases():
    """Every case of every table, in the order tests/ops/test_ops.py runs them."""
    import opcases_core  # imported here: each table imports opcases.common, so not at package import
    import opcases_linalg
    import opcases_loss
    import opcases_shape
    import opcases_conv
    return opcases_core.CASES + opcases_shape.CASES + opcases_linalg.CASES + opcases_loss.CASES + opcases_conv.CASES
