"""get_worker_info (torch.utils.data's): fastgrad's DataLoader runs in the calling process, so there
is never a worker process and the answer is always None (an IterableDataset then yields all of its
samples, as under torch with num_workers=0)."""

__all__ = ["WorkerInfo", "get_worker_info"]


class WorkerInfo:
    """torch's record of a worker process (id, num_workers, seed, dataset); never created here."""

    def __init__(self, **kwargs):
        for k, v in kwargs.items():
            setattr(self, k, v)

    def __repr__(self) -> str:
        return f"WorkerInfo({', '.join(f'{k}={v}' for k, v in self.__dict__.items())})"


def get_worker_info():
    """None: the code runs in the main process (fastgrad's DataLoader has no worker processes)."""
    return None
