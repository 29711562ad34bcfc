"""A command line that names its command builds only that command's parsers (cli.COMMAND_MODULES): they must be
the very parsers the full one holds, and any other command line must get the full parser."""

import argparse
import subprocess
import sys

import pytest

from batchtui import cli


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _helps(parser: argparse.ArgumentParser, prefix: str = "") -> dict[str, str]:
    out = {prefix: parser.format_help()}
    for name, sub in _subparsers(parser).items():
        out.update(_helps(sub, f"{prefix} {name}".strip()))
    return out


ALL_COMMANDS = [name for _, _, names in cli.COMMAND_MODULES for name in names]


def test_the_table_lists_every_command_in_the_full_parsers_order():
    assert list(_subparsers(cli.build_parser())) == ALL_COMMANDS


def test_each_module_registers_exactly_its_listed_commands():
    for module, _adder, names in cli.COMMAND_MODULES:
        parser = cli.build_parser(names[0])
        assert tuple(_subparsers(parser)) == names, module


@pytest.mark.parametrize("command", ALL_COMMANDS)
def test_a_commands_own_parser_is_the_full_parsers(command):
    full = {k: v for k, v in _helps(cli.build_parser()).items() if k.split(" ")[0] == command}
    lazy = {k: v for k, v in _helps(cli.build_parser(command)).items() if k.split(" ")[0] == command}
    assert lazy == full
    assert cli.build_parser(command).format_usage() == cli.build_parser().format_usage()


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ([], ""),
        (["--demo"], ""),
        (["--db", "x.sqlite3", "--batch-seconds", "5"], ""),
        (["sync"], "sync"),
        (["--db", "x.sqlite3", "--base-url", "http://h", "sync", "msgbatch_1"], "sync"),
        (["--db=x", "--demo", "list", "--json"], "list"),
        (["--db", "sync", "list"], "list"),  # "sync" is the cache's file name here
        (["queue", "add", "f.jsonl"], "queue"),
        (["--help", "sync"], None),
        (["-h"], None),
        (["--version"], None),
        (["--d", "x", "sync"], None),  # an abbreviation: argparse's to judge
        (["--db", "-x", "sync"], None),
        (["--db"], None),
        (["sycn"], None),
        (["--json", "sync"], None),
        (["--", "sync"], None),
    ],
)
def test_which_command_a_command_line_names(argv, expected):
    assert cli.command_named(argv) == expected


def _parsed(parser: argparse.ArgumentParser, argv: list[str]) -> dict:
    ns = vars(parser.parse_args(argv))
    handler = ns.pop("handler", None)
    return {**ns, "handler": getattr(handler, "__qualname__", None), "module": getattr(handler, "__module__", None)}


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["--demo", "--batch-seconds", "5"],
        ["--db", "c.sqlite3", "sync", "msgbatch_1", "--json"],
        ["sync", "--watch", "--demo"],
        ["--db=c.sqlite3", "list", "--json"],
        ["submit", "f.jsonl", "--format", "csv", "--auto-cache", "--dry-run"],
        ["queue", "add", "f.jsonl", "--model", "claude-haiku-4-5"],
        ["results", "msgbatch_1", "--format", "md", "--type", "errored"],
        ["retry", "msgbatch_1"],
        ["show", "msgbatch_1"],
        ["--base-url", "http://h", "cancel", "msgbatch_1"],
    ],
)
def test_a_command_line_parses_the_same_either_way(argv):
    assert _parsed(cli.build_parser(cli.command_named(argv)), argv) == _parsed(cli.build_parser(), argv)


def test_usage_errors_are_the_same_either_way(capsys):
    for argv in (["sync", "--bogus"], ["submit"], ["--db", "x", "results", "b", "--format", "xml"]):
        outputs = []
        for parser in (cli.build_parser(cli.command_named(argv)), cli.build_parser()):
            with pytest.raises(SystemExit) as exc:
                parser.parse_args(argv)
            outputs.append((exc.value.code, capsys.readouterr()))
        assert outputs[0] == outputs[1], argv


def test_a_sync_imports_no_other_commands_module():
    probe = (
        "import sys\nfrom batchtui import cli\ncli.build_parser(cli.command_named(['sync', 'msgbatch_1']))\n"
        "print(' '.join(m for m in sys.modules if m.startswith('batchtui.commands.')))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60)
    assert "batchtui.commands.submit" not in out.stdout.split()
    assert "batchtui.commands.sync" in out.stdout.split()
