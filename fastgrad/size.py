"""torch.Size, and the two spellings of a shape that methods accept (f(2, 3) and f((2, 3)))."""


class Size(tuple):
    """torch.Size: a tuple of ints with torch's repr."""

    __slots__ = ()

    def __repr__(self):
        return "fastgrad.Size([%s])" % ", ".join(str(s) for s in self)

    def numel(self) -> int:
        n = 1
        for s in self:
            n *= s
        return n


def shape_args(args):
    """Accept both f(2, 3) and f((2, 3)) / f([2, 3]) / f(Size)."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        return tuple(args[0])
    return args
