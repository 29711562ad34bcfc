"""The command line's copies of tables kept elsewhere (written out so building the parser imports no reader,
export writer or caching planner) agree with the originals; `batchtui.core.inputs` exports its names lazily."""

import subprocess
import sys

import batchtui.core.inputs as inputs
from batchtui.commands.input_flags import INPUT_FORMATS
from batchtui.commands.results import EXPORT_FORMAT_NAMES
from batchtui.commands.submit_cache import DEFAULT_SHARE
from batchtui.core.caching import DEFAULT_SHARE as PLANNER_DEFAULT_SHARE
from batchtui.core.export import EXPORT_FORMATS
from batchtui.core.inputs.registry import READERS


def test_input_formats_match_the_registry():
    assert tuple((name, spec.extensions) for name, spec in READERS.items()) == INPUT_FORMATS


def test_export_format_names_match_the_writers():
    assert tuple(EXPORT_FORMATS) == EXPORT_FORMAT_NAMES


def test_auto_cache_share_default_matches_the_planner():
    assert DEFAULT_SHARE == PLANNER_DEFAULT_SHARE


def test_every_public_name_of_core_inputs_resolves_to_its_definition():
    for name in inputs.__all__:
        value = getattr(inputs, name)
        module = sys.modules[f"batchtui.core.inputs.{inputs._LAZY[name]}"]
        assert value is getattr(module, name), name
    assert set(inputs._LAZY) == set(inputs.__all__)
    assert set(inputs.__all__) <= set(dir(inputs))


def test_a_submodule_is_still_reachable_through_the_package():
    from batchtui.core.inputs import lines, offload

    assert lines.__name__ == "batchtui.core.inputs.lines"
    assert offload.__name__ == "batchtui.core.inputs.offload"


def _modules_after(code: str) -> set[str]:
    probe = f"import sys\n{code}\nprint(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60)
    return set(out.stdout.split())


def test_building_the_command_line_and_a_one_shot_sync_import_no_input_reader():
    modules = _modules_after(
        "import batchtui.cli, batchtui.core.sync, batchtui.service.sync; batchtui.cli.build_parser()"
    )
    assert "batchtui.core.inputs.registry" not in modules
    assert "batchtui.core.inputs.validate" not in modules
    assert "batchtui.core.export" not in modules
    assert "batchtui.service.submit" not in modules


def test_a_light_name_loads_only_its_own_submodule():
    modules = _modules_after("from batchtui.core.inputs import SplitLimits")
    assert {m for m in modules if m.startswith("batchtui.core.inputs.")} == {"batchtui.core.inputs.split"}
