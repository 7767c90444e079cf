"""pytest fixtures: each suite gets its own real anvil and its own Palisade dev server."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402

SEED = int(os.environ.get("PALISADE_E2E_SEED", "20261125"))
N_PAYLOADS = int(os.environ.get("PALISADE_E2E_PAYLOADS", "200"))


def pytest_report_header(config):
    return [
        f"palisade binary: {harness.palisade_bin()}",
        f"anvil binary: {harness.anvil_bin()}",
        f"random seed: PALISADE_E2E_SEED={SEED} (payloads per category: {N_PAYLOADS})",
        f"logs: {harness.LOG_DIR}",
    ]


def _dump_log_on_failure(request, pal: harness.Palisade):
    rep = getattr(request.node, "rep_call", None)
    if rep is not None and rep.failed:
        print(f"\n--- palisade log tail ({pal.log}) ---\n{pal.log.read_text()[-3000:]}")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


@pytest.fixture(scope="module")
def anvil():
    a = harness.start_anvil(chain_id=31337)
    yield a
    a.stop()


@pytest.fixture(scope="module")
def palisade(anvil):
    p = harness.start_palisade(anvil)
    yield p
    p.stop()
    harness.cleanup_workdir(p)


@pytest.fixture
def fresh_palisade(anvil, request):
    """A Palisade server of its own (for tests that seal it or otherwise spoil it)."""
    p = harness.start_palisade(anvil)
    yield p
    _dump_log_on_failure(request, p)
    p.stop()
    harness.cleanup_workdir(p)


@pytest.fixture
def funded(palisade):
    """(key, token) — a fresh key with a scoped credential, 10,000 ETH on anvil."""
    return palisade.funded_key()
