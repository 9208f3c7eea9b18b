"""parameters_to_vector / vector_to_parameters (torch.nn.utils): all parameters as one flat vector."""
from fastgrad import functional as F
from fastgrad.tensor import Tensor

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def parameters_to_vector(parameters) -> Tensor:
    """The parameters flattened and concatenated in order (a graph node: gradients flow back)."""
    return F.cat([F.reshape(p, (-1,)) for p in parameters])


def vector_to_parameters(vec, parameters) -> None:
    """Copy consecutive slices of vec into the parameters' data (no graph), as torch does."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__name__}")
    data = vec._data.ravel()
    offset = 0
    for p in parameters:
        n = p.numel()
        if offset + n > data.size:
            raise RuntimeError(f"vector_to_parameters: the vector has {data.size} elements, fewer than the "
                               f"parameters need")
        p._data[...] = data[offset:offset + n].reshape(p._data.shape)
        offset += n
