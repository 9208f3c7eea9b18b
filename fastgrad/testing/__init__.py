"""fastgrad.testing (torch.testing): ``assert_close`` and ``make_tensor``."""
from fastgrad.testing._comparison import assert_close
from fastgrad.testing._creation import make_tensor

__all__ = ["assert_close", "make_tensor"]
