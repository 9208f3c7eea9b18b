"""Unfold and Fold: the im2col / col2im layers (torch.nn.Unfold, torch.nn.Fold)."""
from fastgrad.functional.fold import fold, unfold
from fastgrad.nn.module import Module

__all__ = ["Unfold", "Fold"]


class Unfold(Module):
    """y = F.unfold(x, kernel_size, dilation, padding, stride): (N, C, H, W) -> (N, C * prod(kernel_size), L)."""

    def __init__(self, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input):
        return unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, padding={self.padding}, "
                f"stride={self.stride}")


class Fold(Module):
    """y = F.fold(x, output_size, kernel_size, dilation, padding, stride): (N, C * prod(kernel_size), L) ->
    (N, C, *output_size), overlapping entries summed."""

    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.output_size = output_size
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input):
        return fold(input, self.output_size, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (f"output_size={self.output_size}, kernel_size={self.kernel_size}, dilation={self.dilation}, "
                f"padding={self.padding}, stride={self.stride}")
