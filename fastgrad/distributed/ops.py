"""ReduceOp: the reductions of the collectives (torch.distributed.ReduceOp's names)."""
import enum

__all__ = ["ReduceOp"]


class ReduceOp(enum.Enum):
    """SUM, AVG (a SUM divided by the world size; floating point only), PRODUCT, MIN, MAX, and
    the bitwise BAND, BOR, BXOR (integer and bool tensors)."""

    SUM = "SUM"
    AVG = "AVG"
    PRODUCT = "PRODUCT"
    MIN = "MIN"
    MAX = "MAX"
    BAND = "BAND"
    BOR = "BOR"
    BXOR = "BXOR"

    def __repr__(self) -> str:
        return f"<ReduceOp.{self.name}>"


ReduceOp.RedOpType = ReduceOp  # torch spells the type ReduceOp.RedOpType

_MPI_NAMES = {"SUM": "SUM", "AVG": "SUM", "PRODUCT": "PROD", "MIN": "MIN", "MAX": "MAX", "BAND": "BAND",
              "BOR": "BOR", "BXOR": "BXOR"}


def mpi_op(MPI, op, dtype):
    """The MPI.Op for ``op`` on arrays of ``dtype`` (checked as torch checks it)."""
    if not isinstance(op, ReduceOp):
        raise ValueError(f"op should be a fastgrad.distributed.ReduceOp, got {op!r}")
    if op is ReduceOp.AVG and dtype.kind != "f":
        raise ValueError(f"ReduceOp.AVG needs a floating point tensor, got {dtype}")
    if op in (ReduceOp.BAND, ReduceOp.BOR, ReduceOp.BXOR) and dtype.kind not in "iub":
        raise ValueError(f"ReduceOp.{op.name} needs an integer or bool tensor, got {dtype}")
    if dtype.kind == "b" and op in (ReduceOp.SUM, ReduceOp.PRODUCT, ReduceOp.MIN, ReduceOp.MAX):
        return {ReduceOp.SUM: MPI.LOR, ReduceOp.MAX: MPI.LOR, ReduceOp.PRODUCT: MPI.LAND, ReduceOp.MIN: MPI.LAND}[op]
    return getattr(MPI, _MPI_NAMES[op.name])
