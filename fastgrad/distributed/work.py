"""Work: the handle an ``async_op=True`` collective returns (torch's ``Work``)."""
__all__ = ["Work"]


class Work:
    """MPI requests in flight, the buffers they use, and what runs once they finish (AVG's
    division, copying a list variant's results out, version bumps).  ``wait()`` blocks until
    done; ``is_completed()`` tests without blocking."""

    __slots__ = ("_reqs", "_finish", "_keep", "_done", "_result")

    def __init__(self, reqs, finish=None, keep=None, result=None):
        self._reqs = reqs
        self._finish = finish
        self._keep = keep  # buffers MPI reads or writes until the requests complete
        self._done = False
        self._result = result

    def _complete(self):
        self._done = True
        self._reqs = self._keep = None
        finish, self._finish = self._finish, None
        if finish is not None:
            finish()

    def wait(self, timeout=None) -> bool:
        """Block until the operation finished (its output tensors hold the result); ``timeout`` is
        accepted for torch's signature and not enforced (MPI requests have none)."""
        if not self._done:
            from fastgrad.distributed._state import mpi
            mpi().Request.Waitall(self._reqs)
            self._complete()
        return True

    def is_completed(self) -> bool:
        """Whether the operation finished (drives MPI's progress; never blocks)."""
        if not self._done:
            from fastgrad.distributed._state import mpi
            if mpi().Request.Testall(self._reqs):
                self._complete()
        return self._done

    def is_success(self) -> bool:
        return self.is_completed()

    def result(self):
        """The tensors the operation wrote (after wait())."""
        self.wait()
        return self._result

    def exception(self):
        return None
