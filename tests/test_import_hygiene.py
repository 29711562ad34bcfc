"""Import rules that keep the architecture honest and the dashboard quick to start (checked in fresh processes)."""

import subprocess
import sys

import pytest


def imported_after(code: str) -> set[str]:
    probe = f"import sys\n{code}\nprint(' '.join(sorted({{m.split('.')[0] for m in sys.modules}})))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60)
    return set(out.stdout.split())


def test_the_core_and_service_never_import_textual():
    modules = imported_after(
        "import batchtui.core.store, batchtui.core.sync, batchtui.core.export, batchtui.core.inputs, "
        "batchtui.core.cost, batchtui.core.fmt, batchtui.service.submit, batchtui.service.sync, "
        "batchtui.service.actions, batchtui.service.export, batchtui.service.reconcile"
    )
    assert "textual" not in modules and "rich" not in modules


@pytest.mark.parametrize(
    "code",
    [
        "import batchtui.cli",
        "import batchtui.tui.app, batchtui.tui.screens.results, batchtui.tui.screens.create",
        "import batchtui.tui.screens.export, batchtui.tui.launch",
        "import batchtui.emulator, batchtui.service.demo, batchtui.service.session, batchtui.commands.session",
    ],
)
def test_the_dashboard_paints_before_the_sdk_loads(code):
    # `import anthropic` takes over a second; the dashboard shows the cache first and loads it behind.
    assert "anthropic" not in imported_after(code)


def test_the_dashboard_runs_without_temporalio():
    # The Temporal engine is an extra: the dashboard imports temporalio only on a worker's thread, when it must
    # ask a server (visibility, a cancel signal), so it starts as fast, and runs, without it.
    modules = imported_after(
        "import batchtui.tui.app, batchtui.tui.launch, batchtui.tui.workflows, batchtui.temporal.cancel"
    )
    assert "temporalio" not in modules


def test_the_dashboard_starts_without_the_create_and_submit_paths():
    # The file picker, the validator and the submit path load when `n` or `R` is first pressed (or a group is
    # sent), not before the first paint: about 80 ms of a start.
    probe = (
        "import sys\nimport batchtui.tui.app, batchtui.tui.launch\n"
        "print(' '.join(m for m in sys.modules if m.startswith(('batchtui', 'textual_fspicker'))))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60)
    loaded = set(out.stdout.split())
    late = ("textual_fspicker", "batchtui.service.submit", "batchtui.core.inputs.validate")
    late += ("batchtui.tui.screens.create", "batchtui.service.group_submit", "batchtui.service.retry")
    assert [m for m in late if m in loaded] == []
