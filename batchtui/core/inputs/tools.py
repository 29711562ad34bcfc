"""Checks on `tools` (custom tools and Anthropic's server and client tools) and `tool_choice`."""

from __future__ import annotations

import re
from typing import Any

from batchtui.core.inputs.blocks import cache_control
from batchtui.core.inputs.envelope import json_type
from batchtui.core.inputs.problems import Problems
from batchtui.core.inputs.records import show

MAX_TOOL_NAME = 128
# Anthropic-defined tools are versioned by date (`web_search_20250305`, `bash_20250124` ...); a version newer than
# this code is accepted, since the API adds them often. `mcp_toolset` is the one without a date.
_VERSIONED_TOOL = re.compile(r"^[a-z][a-z0-9_]*_\d{8}$")
_UNVERSIONED_TOOLS = frozenset({"mcp_toolset"})
_TOOL_EXAMPLE = '{"name": "get_weather", "description": "...", "input_schema": {"type": "object", "properties": {}}}'
TOOL_CHOICES = ("auto", "any", "tool", "none")


def _custom(tool: dict[str, Any], where: str, p: Problems) -> None:
    hint = f"a custom tool is {_TOOL_EXAMPLE}"
    name = tool.get("name")
    if "name" not in tool:
        p.error(f"{where}.name", "missing", hint, "tool")
    elif not isinstance(name, str) or not name:
        p.error(f"{where}.name", f"must be a non-empty string (got {show(name)})", hint, "tool")
    elif len(name) > MAX_TOOL_NAME:
        p.error(f"{where}.name", f"is {len(name)} characters; at most {MAX_TOOL_NAME}", hint, "tool")
    schema = tool.get("input_schema")
    if "input_schema" not in tool:
        p.error(f"{where}.input_schema", "missing (a JSON schema of the tool's input)", hint, "tool")
    elif not isinstance(schema, dict):
        p.error(f"{where}.input_schema", f"must be a JSON schema object (got {json_type(schema)})", hint, "tool")
    elif schema.get("type") != "object":
        message = f'must have "type": "object" (got {show(schema.get("type"))})'
        p.error(f"{where}.input_schema.type", message, hint, "tool")
    if "description" in tool and not isinstance(tool["description"], str):
        p.error(f"{where}.description", f"must be a string (got {json_type(tool['description'])})", hint, "tool")


def _tool(tool: Any, where: str, p: Problems) -> None:
    if not isinstance(tool, dict):
        p.error(where, f"must be a tool object (got {json_type(tool)})", f"e.g. {_TOOL_EXAMPLE}", "tool")
        return
    kind = tool.get("type")
    if kind is None or kind == "custom":
        _custom(tool, where, p)
    elif not isinstance(kind, str) or not (_VERSIONED_TOOL.match(kind) or kind in _UNVERSIONED_TOOLS):
        hint = 'leave type out for your own tool, or use a server tool type like "web_search_20250305"'
        p.error(f"{where}.type", f"unknown tool type {show(kind)}", hint, "tool")
    elif kind != "mcp_toolset" and not isinstance(tool.get("name"), str):
        hint = 'server tools are named as their documentation says, e.g. {"type": "web_search_20250305", "name": ...}'
        p.error(f"{where}.name", "missing", hint, "tool")
    if "cache_control" in tool:
        cache_control(tool["cache_control"], f"{where}.cache_control", p)


def check_tools(tools: Any, p: Problems) -> None:
    if not isinstance(tools, list):
        p.error("params.tools", f"must be a list of tools (got {json_type(tools)})", f"e.g. [{_TOOL_EXAMPLE}]", "tool")
        return
    for i, tool in enumerate(tools):
        _tool(tool, f"params.tools.{i}", p)


def check_tool_choice(choice: Any, p: Problems) -> None:
    hint = '{"type": "auto"}, {"type": "any"}, {"type": "none"} or {"type": "tool", "name": "..."}'
    if not isinstance(choice, dict):
        p.error("params.tool_choice", f"must be an object (got {json_type(choice)})", f"write {hint}", "tool_choice")
        return
    kind = choice.get("type")
    if kind not in TOOL_CHOICES:
        got = "missing" if "type" not in choice else f"got {show(kind)}"
        p.error("params.tool_choice.type", f"must be one of {', '.join(TOOL_CHOICES)} ({got})", hint, "tool_choice")
    elif kind == "tool" and not isinstance(choice.get("name"), str):
        p.error("params.tool_choice.name", "must name the tool to use", hint, "tool_choice")
    if "disable_parallel_tool_use" in choice and not isinstance(choice["disable_parallel_tool_use"], bool):
        got = json_type(choice["disable_parallel_tool_use"])
        where = "params.tool_choice.disable_parallel_tool_use"
        p.error(where, f"must be true or false (got {got})", "write true or false", "tool_choice")
