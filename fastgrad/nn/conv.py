"""Conv1d, Conv2d, Conv3d and their transposes (torch's arguments, init, repr and state_dict keys)."""
import math

from fastgrad import dtypes
from fastgrad import functional as F
from fastgrad.creation import empty
from fastgrad.nn import init
from fastgrad.nn.module import Module, _weight_bias
from fastgrad.nn.parameter import Parameter

__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d"]

_MODES = ("zeros", "reflect", "replicate", "circular")


def _ntuple(v, d):
    return (v,) * d if isinstance(v, int) else tuple(v)


class _ConvNd(Module):
    """y = weight (*) x + bias; weight (out, in / groups, *kernel_size).

    Initialised as torch: weight ~ kaiming_uniform(a=sqrt(5)) = U(-1/sqrt(fan_in), 1/sqrt(fan_in)),
    bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = in / groups * prod(kernel_size)."""

    _d = 2
    _transposed = False

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, dilation=1,
                 groups: int = 1, bias: bool = True, padding_mode: str = "zeros", device=None, dtype=None,
                 output_padding=0):
        super().__init__()
        d = self._d
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        kernel_size, stride, dilation = _ntuple(kernel_size, d), _ntuple(stride, d), _ntuple(dilation, d)
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"Invalid padding string {padding!r}, should be one of {{'valid', 'same'}}")
            if padding == "same" and any(s != 1 for s in stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
        else:
            padding = _ntuple(padding, d)
        if padding_mode not in _MODES:
            raise ValueError(f"padding_mode must be one of {set(_MODES)}, but got padding_mode='{padding_mode}'")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride, self.padding, self.dilation = kernel_size, stride, padding, dilation
        self.transposed, self.output_padding = self._transposed, _ntuple(output_padding, d)
        self.groups, self.padding_mode = groups, padding_mode
        # F.pad's argument for the non-zero padding modes (last dim first, as torch)
        rev = [0, 0] * d
        for i, (dl, k) in enumerate(zip(dilation, kernel_size)):
            lo, hi = (padding[i], padding[i]) if not isinstance(padding, str) else \
                ((dl * (k - 1)) // 2, dl * (k - 1) - (dl * (k - 1)) // 2) if padding == "same" else (0, 0)
            rev[2 * (d - 1 - i)], rev[2 * (d - 1 - i) + 1] = lo, hi
        self._reversed_padding_repeated_twice = rev
        dtype = dtypes.to_dtype(dtype) or dtypes.get_default_dtype()
        shape = (in_channels, out_channels // groups) if self._transposed else (out_channels, in_channels // groups)
        self.weight = Parameter(empty((*shape, *kernel_size), dtype=dtype))
        if bias:
            self.bias = Parameter(empty(out_channels, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.weight.shape[1] * math.prod(self.kernel_size)  # as torch: from the weight's shape
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def extra_repr(self) -> str:
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * len(self.padding):
            s += f", padding={self.padding}"
        if self.dilation != (1,) * len(self.dilation):
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * len(self.output_padding):
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


    def _padded(self, input):
        """(input, padding) for the conv call: padding_mode other than zeros pads first (F.pad)."""
        if self.padding_mode == "zeros":
            return input, self.padding
        return F.pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode), 0


class Conv2d(_ConvNd):
    """2-D convolution over (N, C, H, W) or (C, H, W) inputs."""

    _d = 2

    def forward(self, input):
        weight, bias = _weight_bias(self)
        x, pad = self._padded(input)
        return F.conv2d(x, weight, bias, self.stride, pad, self.dilation, self.groups)


class Conv1d(_ConvNd):
    """1-D convolution over (N, C, L) or (C, L) inputs."""

    _d = 1

    def forward(self, input):
        weight, bias = _weight_bias(self)
        x, pad = self._padded(input)
        return F.conv1d(x, weight, bias, self.stride, pad, self.dilation, self.groups)


class Conv3d(_ConvNd):
    """3-D convolution over (N, C, D, H, W) or (C, D, H, W) inputs (F.conv3d: composed from conv2d)."""

    _d = 3

    def forward(self, input):
        weight, bias = _weight_bias(self)
        x, pad = self._padded(input)
        return F.conv3d(x, weight, bias, self.stride, pad, self.dilation, self.groups)


class _ConvTransposeNd(_ConvNd):
    """y = conv_transpose(x, weight) + bias; weight (in, out / groups, *kernel_size)."""

    _transposed = True

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, output_padding=0,
                 groups: int = 1, bias: bool = True, dilation=1, padding_mode: str = "zeros", device=None,
                 dtype=None):
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {type(self).__name__}')
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias, padding_mode,
                         device, dtype, output_padding)

    def _output_padding(self, input, output_size):
        """output_padding, or the one giving output_size (torch's rule: within one stride of the least size)."""
        if output_size is None:
            return self.output_padding
        d = self._d
        size = list(output_size)[-d:]
        if len(size) != d:
            raise ValueError(f"ConvTranspose{d}D: for {input.dim()}D input, output_size must have {d} or {d + 2} "
                             f"elements (got {len(output_size)})")
        spatial = tuple(input.shape)[-d:]
        lo = [(n - 1) * s - 2 * p + dl * (k - 1) + 1 for n, s, p, dl, k in
              zip(spatial, self.stride, self.padding, self.dilation, self.kernel_size)]
        hi = [m + s - 1 for m, s in zip(lo, self.stride)]
        for want, a, b in zip(size, lo, hi):
            if not a <= want <= b:
                raise ValueError(f"requested an output size of {size}, but valid sizes range from {lo} to {hi} "
                                 f"(for an input of {list(spatial)})")
        return tuple(want - a for want, a in zip(size, lo))


class ConvTranspose2d(_ConvTransposeNd):
    """The adjoint of Conv2d over (N, C, H, W) or (C, H, W) inputs; forward(input, output_size=None)."""

    _d = 2

    def forward(self, input, output_size=None):
        weight, bias = _weight_bias(self)
        return F.conv_transpose2d(input, weight, bias, self.stride, self.padding,
                                  self._output_padding(input, output_size), self.groups, self.dilation)


class ConvTranspose1d(_ConvTransposeNd):
    """The adjoint of Conv1d over (N, C, L) or (C, L) inputs; forward(input, output_size=None)."""

    _d = 1

    def forward(self, input, output_size=None):
        weight, bias = _weight_bias(self)
        return F.conv_transpose1d(input, weight, bias, self.stride, self.padding,
                                  self._output_padding(input, output_size), self.groups, self.dilation)


class ConvTranspose3d(_ConvTransposeNd):
    """The adjoint of Conv3d over (N, C, D, H, W) or (C, D, H, W) inputs; forward(input, output_size=None)."""

    _d = 3

    def forward(self, input, output_size=None):
        weight, bias = _weight_bias(self)
        return F.conv_transpose3d(input, weight, bias, self.stride, self.padding,
                                  self._output_padding(input, output_size), self.groups, self.dilation)
