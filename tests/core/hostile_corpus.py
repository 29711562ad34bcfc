"""The hostile input corpus: over a hundred bad files, each with the one problem it must be refused for.

Every params field wrong (type, range, shape), content blocks missing fields, unknown keys, bad encodings, huge
lines, nesting bombs, limits at ±1, duplicate custom_ids. `write_corpus(folder)` writes the files; each Case says
where the error is (line, field) and how the API answers the same request when sent anyway (`api`): "errored" (the
batch is created, the request ends errored with invalid_request_error), "400" (the create is refused), or None
(the file cannot even be turned into requests). `python -m tests.core.hostile_corpus FOLDER` writes them to look at.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MODEL = "claude-haiku-4-5"
ONE_MIB = 1024 * 1024


def params(**changes: Any) -> dict[str, Any]:
    """Valid params with `changes` applied (a value of ... removes the key)."""
    base: dict[str, Any] = {"model": MODEL, "max_tokens": 64, "messages": [{"role": "user", "content": "hi"}]}
    base.update(changes)
    return {k: v for k, v in base.items() if v is not ...}


def item(cid: str, p: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    return {"custom_id": cid, "params": params() if p is None else p, **extra}


def user(*blocks: Any) -> dict[str, Any]:
    """Params whose one user message holds these content blocks."""
    return params(messages=[{"role": "user", "content": list(blocks)}])


def line(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False).encode() + b"\n"


VALID = line(item("ok-1"))
SCHEMA = {"type": "object", "properties": {}}
PNG = {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}


@dataclass(frozen=True)
class Case:
    name: str
    data: bytes
    line: int | None  # where the error is; None: the file as a whole
    field: str | None  # the field it names; None: the line (or file) as a whole
    api: str | None  # "errored", "400" or None: see the module docstring


def _param_cases() -> list[tuple[str, dict[str, Any], str]]:
    """(name, params, field): a request that is fine but for this one field."""
    tool = {"name": "lookup", "input_schema": SCHEMA}
    return [
        ("temperature_string", params(temperature="hot"), "params.temperature"),
        ("temperature_above_1", params(temperature=1.01), "params.temperature"),
        ("temperature_negative", params(temperature=-0.01), "params.temperature"),
        ("temperature_bool", params(temperature=True), "params.temperature"),
        ("top_p_string", params(top_p="0.9"), "params.top_p"),
        ("top_p_above_1", params(top_p=2), "params.top_p"),
        ("top_k_string", params(top_k="40"), "params.top_k"),
        ("top_k_negative", params(top_k=-1), "params.top_k"),
        ("top_k_float", params(top_k=1.5), "params.top_k"),
        ("stop_sequences_string", params(stop_sequences="STOP"), "params.stop_sequences"),
        ("stop_sequences_int_item", params(stop_sequences=["a", 1]), "params.stop_sequences.1"),
        ("stop_sequences_object", params(stop_sequences={"a": 1}), "params.stop_sequences"),
        ("tools_string", params(tools="search"), "params.tools"),
        ("tools_item_string", params(tools=["search"]), "params.tools.0"),
        ("tool_name_int", params(tools=[{**tool, "name": 5}]), "params.tools.0.name"),
        ("tool_name_empty", params(tools=[{**tool, "name": ""}]), "params.tools.0.name"),
        ("tool_name_129", params(tools=[{**tool, "name": "t" * 129}]), "params.tools.0.name"),
        ("tool_no_input_schema", params(tools=[{"name": "lookup"}]), "params.tools.0.input_schema"),
        ("tool_schema_string", params(tools=[{**tool, "input_schema": "{}"}]), "params.tools.0.input_schema"),
        (
            "tool_schema_not_object",
            params(tools=[{**tool, "input_schema": {"type": "string"}}]),
            "params.tools.0.input_schema.type",
        ),
        ("tool_description_int", params(tools=[{**tool, "description": 5}]), "params.tools.0.description"),
        ("tool_unknown_type", params(tools=[{"type": "websearch", "name": "web_search"}]), "params.tools.0.type"),
        ("server_tool_no_name", params(tools=[{"type": "web_search_20250305"}]), "params.tools.0.name"),
        (
            "tool_cache_control_bad",
            params(tools=[{**tool, "cache_control": {"type": "forever"}}]),
            "params.tools.0.cache_control.type",
        ),
        ("tool_choice_string", params(tool_choice="auto"), "params.tool_choice"),
        ("tool_choice_bad_type", params(tool_choice={"type": "sometimes"}), "params.tool_choice.type"),
        ("tool_choice_tool_no_name", params(tool_choice={"type": "tool"}), "params.tool_choice.name"),
        (
            "tool_choice_parallel_string",
            params(tool_choice={"type": "auto", "disable_parallel_tool_use": "yes"}),
            "params.tool_choice.disable_parallel_tool_use",
        ),
        ("metadata_string", params(metadata="user-1"), "params.metadata"),
        ("metadata_user_id_int", params(metadata={"user_id": 42}), "params.metadata.user_id"),
        ("metadata_unknown_key", params(metadata={"user_id": "u", "session": "s"}), "params.metadata.session"),
        ("metadata_user_id_257", params(metadata={"user_id": "u" * 257}), "params.metadata.user_id"),
        ("thinking_string", params(thinking="on"), "params.thinking"),
        ("thinking_no_budget", params(thinking={"type": "enabled"}), "params.thinking.budget_tokens"),
        (
            "thinking_budget_1023",
            params(max_tokens=4096, thinking={"type": "enabled", "budget_tokens": 1023}),
            "params.thinking.budget_tokens",
        ),
        (
            "thinking_budget_string",
            params(max_tokens=4096, thinking={"type": "enabled", "budget_tokens": "2048"}),
            "params.thinking.budget_tokens",
        ),
        (
            "thinking_budget_not_below_max_tokens",
            params(max_tokens=2048, thinking={"type": "enabled", "budget_tokens": 2048}),
            "params.thinking.budget_tokens",
        ),
        ("thinking_bad_type", params(thinking={"type": "sometimes"}), "params.thinking.type"),
        ("thinking_bad_display", params(thinking={"type": "adaptive", "display": "full"}), "params.thinking.display"),
        ("service_tier_priority", params(service_tier="priority"), "params.service_tier"),
        ("service_tier_int", params(service_tier=1), "params.service_tier"),
        ("stream_yes", params(stream="yes"), "params.stream"),
        ("stream_true", params(stream=True), "params.stream"),
        ("stream_zero", params(stream=0), "params.stream"),
        ("speed_slow", params(speed="slow"), "params.speed"),
        ("cache_control_type", params(cache_control={"type": "persistent"}), "params.cache_control.type"),
        ("cache_control_ttl", params(cache_control={"type": "ephemeral", "ttl": "2h"}), "params.cache_control.ttl"),
        ("cache_control_string", params(cache_control="ephemeral"), "params.cache_control"),
        ("container_int", params(container=5), "params.container"),
        ("inference_geo_int", params(inference_geo=1), "params.inference_geo"),
        ("output_config_string", params(output_config="json"), "params.output_config"),
        ("mcp_servers_object", params(mcp_servers={"url": "https://x"}), "params.mcp_servers"),
        ("unknown_params_key", params(temprature=0.5), "params.temprature"),
        ("betas_in_params", params(betas=["output-300k-2026-03-24"]), "params.betas"),
        ("system_int", params(system=5), "params.system"),
        ("system_image_block", params(system=[{"type": "image", "source": PNG}]), "params.system.0.type"),
        ("system_text_no_text", params(system=[{"type": "text"}]), "params.system.0.text"),
        ("system_list_of_strings", params(system=["be brief"]), "params.system.0"),
        ("model_int", params(model=5), "params.model"),
        ("model_missing", params(model=...), "params.model"),
        ("max_tokens_negative", params(max_tokens=-1), "params.max_tokens"),
        ("max_tokens_string", params(max_tokens="1024"), "params.max_tokens"),
        ("max_tokens_float", params(max_tokens=1.5), "params.max_tokens"),
        ("max_tokens_bool", params(max_tokens=True), "params.max_tokens"),
        ("max_tokens_missing", params(max_tokens=...), "params.max_tokens"),
        ("messages_string", params(messages="hi"), "params.messages"),
        ("messages_empty", params(messages=[]), "params.messages"),
        ("messages_null", params(messages=None), "params.messages"),
        ("messages_missing", params(messages=...), "params.messages"),
        ("message_not_object", params(messages=[{"role": "user", "content": "a"}, "b"]), "params.messages.1"),
        ("message_system_role", params(messages=[{"role": "system", "content": "a"}]), "params.messages.0.role"),
        ("message_no_content", params(messages=[{"role": "user"}]), "params.messages.0.content"),
        ("message_content_int", params(messages=[{"role": "user", "content": 5}]), "params.messages.0.content"),
        ("message_content_empty", params(messages=[{"role": "user", "content": ""}]), "params.messages.0.content"),
        ("message_content_no_blocks", params(messages=[{"role": "user", "content": []}]), "params.messages.0.content"),
        (
            "message_unknown_key",
            params(messages=[{"role": "user", "content": "a", "name": "bob"}]),
            "params.messages.0.name",
        ),
        ("image_no_source", user({"type": "image"}), "params.messages.0.content.0.source"),
        (
            "image_no_data",
            user({"type": "image", "source": {"type": "base64", "media_type": "image/png"}}),
            "params.messages.0.content.0.source.data",
        ),
        (
            "image_bmp",
            user({"type": "image", "source": {**PNG, "media_type": "image/bmp"}}),
            "params.messages.0.content.0.source.media_type",
        ),
        (
            "image_source_path",
            user({"type": "image", "source": {"type": "path", "path": "/tmp/a.png"}}),
            "params.messages.0.content.0.source.type",
        ),
        (
            "image_url_no_url",
            user({"type": "image", "source": {"type": "url"}}),
            "params.messages.0.content.0.source.url",
        ),
        ("text_block_no_text", user({"type": "text"}), "params.messages.0.content.0.text"),
        ("text_block_text_int", user({"type": "text", "text": 5}), "params.messages.0.content.0.text"),
        (
            "text_block_citations_string",
            user({"type": "text", "text": "a", "citations": "x"}),
            "params.messages.0.content.0.citations",
        ),
        (
            "text_block_cache_control",
            user({"type": "text", "text": "a", "cache_control": {"type": "forever"}}),
            "params.messages.0.content.0.cache_control.type",
        ),
        ("block_type_audio", user({"type": "audio", "data": "..."}), "params.messages.0.content.0.type"),
        ("block_no_type", user({"text": "a"}), "params.messages.0.content.0"),
        ("block_a_string", user("just text"), "params.messages.0.content.0"),
        ("tool_use_no_id", user({"type": "tool_use", "name": "t", "input": {}}), "params.messages.0.content.0.id"),
        (
            "tool_use_input_string",
            user({"type": "tool_use", "id": "toolu_1", "name": "t", "input": "a=1"}),
            "params.messages.0.content.0.input",
        ),
        (
            "tool_use_name_int",
            user({"type": "tool_use", "id": "toolu_1", "name": 5, "input": {}}),
            "params.messages.0.content.0.name",
        ),
        (
            "tool_result_no_id",
            user({"type": "tool_result", "content": "42"}),
            "params.messages.0.content.0.tool_use_id",
        ),
        (
            "tool_result_content_int",
            user({"type": "tool_result", "tool_use_id": "toolu_1", "content": 42}),
            "params.messages.0.content.0.content",
        ),
        (
            "tool_result_holds_tool_use",
            user(
                {
                    "type": "tool_result",
                    "tool_use_id": "toolu_1",
                    "content": [{"type": "tool_use", "id": "toolu_2", "name": "t", "input": {}}],
                }
            ),
            "params.messages.0.content.0.content.0.type",
        ),
        (
            "tool_result_is_error_string",
            user({"type": "tool_result", "tool_use_id": "toolu_1", "is_error": "no"}),
            "params.messages.0.content.0.is_error",
        ),
        ("document_no_source", user({"type": "document"}), "params.messages.0.content.0.source"),
        (
            "document_msword",
            user({"type": "document", "source": {"type": "base64", "media_type": "application/msword", "data": "x"}}),
            "params.messages.0.content.0.source.media_type",
        ),
        (
            "document_text_data_int",
            user({"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": 5}}),
            "params.messages.0.content.0.source.data",
        ),
        (
            "document_content_empty",
            user({"type": "document", "source": {"type": "content", "content": []}}),
            "params.messages.0.content.0.source.content",
        ),
        (
            "thinking_block_no_signature",
            params(
                messages=[
                    {"role": "user", "content": "a"},
                    {"role": "assistant", "content": [{"type": "thinking", "thinking": "hmm"}]},
                ]
            ),
            "params.messages.1.content.0.signature",
        ),
        ("redacted_thinking_no_data", user({"type": "redacted_thinking"}), "params.messages.0.content.0.data"),
        (
            "search_result_no_title",
            user({"type": "search_result", "source": "https://x", "content": []}),
            "params.messages.0.content.0.title",
        ),
        ("container_upload_no_file", user({"type": "container_upload"}), "params.messages.0.content.0.file_id"),
        (
            "server_tool_use_no_input",
            user({"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search"}),
            "params.messages.0.content.0.input",
        ),
        (
            "web_search_result_no_content",
            user({"type": "web_search_tool_result", "tool_use_id": "srvtoolu_1"}),
            "params.messages.0.content.0.content",
        ),
    ]


def _envelope_cases() -> list[Case]:
    """Item-level problems: the API refuses the whole create (400)."""
    return [
        Case("custom_id_65.jsonl", VALID + line(item("c" * 65)), 2, "custom_id", "400"),
        Case("custom_id_empty.jsonl", VALID + line(item("")), 2, "custom_id", "400"),
        Case("custom_id_space.jsonl", VALID + line(item("a b")), 2, "custom_id", "400"),
        Case("custom_id_int.jsonl", VALID + line(item(5)), 2, "custom_id", "400"),  # type: ignore[arg-type]
        Case("custom_id_missing.jsonl", VALID + line({"params": params()}), 2, "custom_id", "400"),
        Case("custom_id_control_char.jsonl", VALID + line(item("a\x1bb")), 2, "custom_id", "400"),
        Case("duplicate_custom_id.jsonl", VALID + line(item("ok-2")) + line(item("ok-1")), 3, "custom_id", "400"),
        Case("item_metadata_key.jsonl", VALID + line(item("ok-2", metadata={"a": 1})), 2, "metadata", "400"),
        Case("item_unknown_key.jsonl", VALID + line(item("ok-2", extra=1)), 2, "extra", "400"),
        Case("params_missing.jsonl", VALID + line({"custom_id": "ok-2"}), 2, "params", "400"),
        Case("params_string.jsonl", VALID + line({"custom_id": "ok-2", "params": "x"}), 2, "params", "400"),
    ]


def _file_cases() -> list[Case]:
    """Encodings, JSON syntax, huge lines and nesting bombs: nothing here can even be parsed into requests."""
    deep_list = b'{"custom_id":"ok-2","params":' + b"[" * 100_000 + b"]" * 100_000 + b"}\n"
    deep_object = b'{"custom_id":"ok-2","params":' + b'{"a":' * 100_000 + b"1" + b"}" * 100_001 + b"\n"
    huge = b'{"custom_id":"ok-2","params":{"model":"' + b"x" * (32 * ONE_MIB + 1) + b'"}}\n'
    return [
        Case("utf16_le.jsonl", b"\xff\xfe" + VALID.decode().encode("utf-16-le"), None, None, None),
        Case("utf16_be.jsonl", b"\xfe\xff" + VALID.decode().encode("utf-16-be"), None, None, None),
        Case("utf32.jsonl", VALID.decode().encode("utf-32"), None, None, None),
        Case(
            "latin1.jsonl",
            VALID
            + line(item("ok-2", user({"type": "text", "text": "é"}))).replace("é".encode(), "é".encode("latin-1")),
            2,
            None,
            None,
        ),
        Case("invalid_utf8_truncated.jsonl", VALID + b'{"custom_id":"ok-2","params":"\xe2\x82"}\n', 2, None, None),
        Case("invalid_utf8_overlong.jsonl", VALID + b'{"custom_id":"ok-2","params":"\xc0\xaf"}\n', 2, None, None),
        Case("bom_mid_file.jsonl", VALID + b"\xef\xbb\xbf" + line(item("ok-2")), 2, None, None),
        Case("nul_byte.jsonl", VALID + b'{"custom_id":"ok-2\x00"}\n', 2, None, None),
        Case("gzip.jsonl", b"\x1f\x8b\x08\x00" + b"\x00" * 16, None, None, None),
        Case("huge_line.jsonl", VALID + huge, 2, None, None),
        Case("nesting_bomb_list.jsonl", VALID + deep_list, 2, None, None),
        Case("nesting_bomb_object.jsonl", VALID + deep_object, 2, None, None),
        Case("nan.jsonl", VALID + b'{"custom_id":"ok-2","params":{"temperature":NaN}}\n', 2, None, None),
        Case("infinity.jsonl", VALID + b'{"custom_id":"ok-2","params":{"max_tokens":Infinity}}\n', 2, None, None),
        Case("trailing_comma.jsonl", VALID + b'{"custom_id":"ok-2","params":{},}\n', 2, None, None),
        Case("single_quotes.jsonl", VALID + b"{'custom_id':'ok-2'}\n", 2, None, None),
        Case("truncated_line.jsonl", VALID + line(item("ok-2"))[:40] + b"\n", 2, None, None),
        Case("two_objects.jsonl", VALID + line(item("ok-2")).rstrip() + line(item("ok-3")), 2, None, None),
        Case("not_an_object.jsonl", VALID + b'"just a string"\n', 2, None, None),
        Case("empty.jsonl", b"", None, None, None),
        Case("whitespace_only.jsonl", b"\n \n\t\n", None, None, None),
        Case(
            "lone_surrogate.jsonl",
            VALID + b'{"custom_id":"ok-2","params":{"model":"claude-haiku-4-5",'
            b'"max_tokens":5,"messages":[{"role":"user","content":"a"}],"system":"a\\ud800b"}}\n',
            2,
            "params.system",
            None,
        ),
    ]


def _limit_cases() -> list[Case]:
    over = b"".join(line(item(f"r{i}", params(max_tokens=1))) for i in range(100_001))
    return [Case("requests_100001.jsonl", over, 100_001, None, "400")]


def _other_formats() -> list[Case]:
    return [
        Case(
            "array_item_bad_tool.json",
            json.dumps([item("ok-1"), item("ok-2", params(tools=["x"]))]).encode(),
            1,
            "params.tools.0",
            "errored",
        ),
        Case(
            "csv_bad_temperature.csv",
            b"id,prompt,model,max_tokens,temperature\nr1,hi,claude-haiku-4-5,5,0.5\nr2,hi,claude-haiku-4-5,5,hot\n",
            3,
            "temperature",
            None,
        ),
        Case(
            "csv_bad_id.csv",
            b"id,prompt,model,max_tokens\nr1,hi,claude-haiku-4-5,5\nr 2,hi,claude-haiku-4-5,5\n",
            3,
            "custom_id",
            None,
        ),
        Case(
            "csv_latin1.csv",
            "id,prompt,model,max_tokens\nr1,café,claude-haiku-4-5,5\n".encode("latin-1"),
            2,
            None,
            None,
        ),
    ]


def cases() -> list[Case]:
    out = [
        Case(f"{name}.jsonl", VALID + line(item("bad-2", p)), 2, field, "errored") for name, p, field in _param_cases()
    ]
    return out + _envelope_cases() + _file_cases() + _limit_cases() + _other_formats()


# Accepted by the API and so by both checkers: the other side of each limit, and shapes newer than this code.
EDGE_VALID: list[tuple[str, dict[str, Any]]] = [
    ("custom_id_64", item("c" * 64)),
    ("max_tokens_0", item("mt0", params(max_tokens=0))),
    ("max_tokens_300000", item("mt300k", params(max_tokens=300_000))),
    ("temperature_0_and_1", item("t01", params(temperature=0, top_p=1))),
    ("top_k_0", item("tk0", params(top_k=0))),
    (
        "budget_1024_below_max",
        item("b1024", params(max_tokens=1025, thinking={"type": "enabled", "budget_tokens": 1024})),
    ),
    ("user_id_256", item("u256", params(metadata={"user_id": "u" * 256}))),
    ("user_id_null", item("unull", params(metadata={"user_id": None}))),
    (
        "server_tools",
        item(
            "srv",
            params(
                tools=[
                    {"type": "web_search_20250305", "name": "web_search"},
                    {"type": "web_fetch_20991231", "name": "web_fetch"},
                ]
            ),
        ),
    ),
    ("mcp_toolset", item("mcp", params(tools=[{"type": "mcp_toolset", "mcp_server_name": "s"}]))),
    (
        "tool_choice_none",
        item("tcn", params(tools=[{"name": "t", "input_schema": SCHEMA}], tool_choice={"type": "none"})),
    ),
    ("cache_1h", item("c1h", user({"type": "text", "text": "a", "cache_control": {"type": "ephemeral", "ttl": "1h"}}))),
    ("auto_cache", item("autoc", params(cache_control={"type": "ephemeral"}))),
    (
        "document_citations",
        item(
            "doc",
            user(
                {
                    "type": "document",
                    "source": {"type": "text", "media_type": "text/plain", "data": "x"},
                    "citations": {"enabled": True},
                    "new_field": 1,
                }
            ),
        ),
    ),
    ("image_url", item("img", user({"type": "image", "source": {"type": "url", "url": "https://x/a.png"}}))),
    ("prefill", item("pre", params(messages=[{"role": "user", "content": "a"}, {"role": "assistant", "content": ""}]))),
    ("stream_false", item("sf", params(stream=False, service_tier="standard_only", speed=None))),
    ("adaptive", item("ad", params(thinking={"type": "adaptive", "display": "omitted"}))),
]


def write_corpus(folder: Path) -> list[Case]:
    folder.mkdir(parents=True, exist_ok=True)
    all_cases = cases()
    for case in all_cases:
        (folder / case.name).write_bytes(case.data)
    return all_cases


if __name__ == "__main__":
    written = write_corpus(Path(sys.argv[1]))
    print(f"{len(written)} files in {sys.argv[1]}")
