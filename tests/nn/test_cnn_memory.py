"""CNN training steps do not grow memory: the conv im2col scratch is per thread, sized by the
largest layer and reused, pooling and batch norm allocate only their outputs, and every step's
graph is freed by reference counting (the cyclic collector is off during the loop)."""
import gc
import os
import weakref

import numpy as np
import pytest

import fastgrad as fg
import fastgrad.nn as nn


def _rss_mb():
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2 ** 20
    except (OSError, ValueError):
        pytest.skip("no /proc/self/statm on this system")


def test_cnn_train_steps_no_memory_growth_and_graph_freed():
    if "asan" in os.environ.get("LD_PRELOAD", ""):  # .ci/sanitize.sh: ASan's quarantine keeps freed memory
        pytest.skip("RSS growth is not meaningful under AddressSanitizer")
    fg.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(16, 32, 3, padding="same", padding_mode="reflect"), nn.BatchNorm2d(32), nn.ReLU(),
                          nn.AdaptiveAvgPool2d(2), nn.Flatten(), nn.Linear(128, 10))
    opt = fg.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    rng = np.random.default_rng(0)
    x = fg.tensor(rng.standard_normal((32, 3, 24, 24)).astype(np.float32))
    t = fg.tensor(rng.integers(0, 10, 32))
    loss_fn = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), t)
        loss.backward()
        opt.step()
        return loss

    gc.disable()
    try:
        for _ in range(5):
            step()
        before = _rss_mb()
        for _ in range(40):
            loss = step()
        after = _rss_mb()
        node = weakref.ref(loss.grad_fn)
        del loss
        assert node() is None, "the last step's graph is still alive after its loss was dropped"
    finally:
        gc.enable()
    assert after - before < 4.0, f"RSS grew by {after - before:.1f} MB over 40 CNN steps"
