"""Pre-warmed kernels: a worker starts its kernel and queues the warm-up imports without waiting; the first
notebook gets that same kernel once the warm-up has finished, and a pre-warmed kernel that died is replaced."""

from __future__ import annotations

from queue import Empty

import pytest

from analysis.pipeline import kernels

pytestmark = pytest.mark.slow


def _run(kernel: kernels.WarmKernel, code: str) -> str:
    """Execute `code` on the kernel and return what it printed."""
    msg_id = kernel.kc.execute(code)
    printed = []
    while True:
        try:
            msg = kernel.kc.get_iopub_msg(timeout=60)
        except Empty:
            raise AssertionError("the kernel did not answer in 60 s") from None
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "stream":
            printed.append(msg["content"]["text"])
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            return "".join(printed)


def test_prewarm_returns_at_once_and_the_first_acquire_gets_the_warmed_kernel():
    try:
        warm = kernels.prewarm("python3", 120, ("json", "no_such_module_for_the_test"))
        assert warm.pending is not None  # queued, not waited for
        kernel, waited = kernels.acquire("python3", 120)
        assert kernel is warm and waited is True and kernel.pending is None and kernel.start_seconds > 0
        again, waited = kernels.acquire("python3", 120)
        assert again is warm and waited is False
        # The warm-up imported what it could (a missing module is skipped) and kept the state the prelude
        # restores between notebooks.
        printed = _run(kernel, "import sys; print('json' in sys.modules, '_analysis_kernel_state' in sys.modules,"
                               " 'no_such_module_for_the_test' in sys.modules)")
        assert printed == "True True False\n"
    finally:
        kernels.discard()
    assert kernels.shutdown_all() == 0


def test_a_prewarmed_kernel_that_died_is_replaced():
    try:
        warm = kernels.prewarm("python3", 120, ("json",))
        warm.kill()
        kernel, waited = kernels.acquire("python3", 120)
        assert kernel is not warm and waited is True and kernel.alive
        assert _run(kernel, "print(6 * 7)") == "42\n"
    finally:
        kernels.discard()
