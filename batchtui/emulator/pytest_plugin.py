"""pytest fixtures: `batch_emulator` serves a fresh emulator on a free loopback port for one test.

Registered as a pytest11 plugin, so any project with batchtui installed can test against it. Configure with
`@pytest.mark.emulator(batch_seconds=1, error_rate=0.1)`.
"""

from __future__ import annotations

import pytest

from batchtui.emulator.server import emulator_thread


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "emulator(**config): settings for the batch_emulator fixture")


@pytest.fixture
def batch_emulator(request: pytest.FixtureRequest, tmp_path):
    marker = request.node.get_closest_marker("emulator")
    overrides = dict(marker.kwargs) if marker else {}
    overrides.setdefault("state_path", tmp_path / "emulator.sqlite3")
    overrides.setdefault("seed", 1234)
    with emulator_thread(**overrides) as emu:
        yield emu
