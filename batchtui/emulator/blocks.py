"""The blocks of a reply besides its text, all derived from the request and a digest, so always the same:

- `thinking` when the request turns extended thinking on (`thinking: {"type": "enabled" | "adaptive"}`);
- a `tool_use` call when it gives custom tools and its `tool_choice` asks for one (`tool` and `any` always, `auto`
  for about half the requests), with an input built from the tool's `input_schema`;
- a web search (`server_tool_use` + `web_search_tool_result`) when it gives the web search server tool.
"""

from __future__ import annotations

import base64
from typing import Any

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
SEARCH_RESULT_TOKENS = 600  # what the search results add to the input, like the real tool's page excerpts


def block_id(prefix: str, d: bytes) -> str:
    return prefix + "".join(_B58[b % 58] for b in d[:22])


def wants_thinking(params: dict) -> bool:
    thinking = params.get("thinking")
    return isinstance(thinking, dict) and thinking.get("type") in ("enabled", "adaptive")


def thinking_block(topic: str, d: bytes) -> dict:
    about = f"“{topic}”" if topic else "the request"
    steps = (
        f"The user asks about {about}.",
        "First I should restate what is being asked.",
        "Then check which facts are given and which are assumed.",
        "The answer should be short and concrete.",
    )
    text = " ".join(steps[: 2 + d[3] % 3])
    return {"type": "thinking", "thinking": text, "signature": base64.b64encode(d).decode()}


def custom_tools(params: dict) -> list[dict]:
    tools = params.get("tools")
    if not isinstance(tools, list):
        return []
    return [
        t for t in tools if isinstance(t, dict) and t.get("type") in (None, "custom") and isinstance(t.get("name"), str)
    ]


def chosen_tool(params: dict, d: bytes) -> tuple[dict | None, bool]:
    """The tool to call, and whether the call is forced (then the model writes no text before it)."""
    tools = custom_tools(params)
    choice = params.get("tool_choice")
    kind = choice.get("type") if isinstance(choice, dict) else "auto"
    if not tools or kind == "none":
        return None, False
    if kind == "tool":
        name = choice.get("name") if isinstance(choice, dict) else None
        return next((t for t in tools if t["name"] == name), None), True
    if kind == "any":
        return tools[d[4] % len(tools)], True
    return (tools[0] if d[4] % 2 == 0 else None), False


def example_input(schema: Any, topic: str, d: bytes, name: str = "value", depth: int = 0) -> Any:
    """A value that fits a JSON schema: every property filled, enums take their first choice."""
    if not isinstance(schema, dict) or depth > 6:
        return f"{name} of {topic}" if topic else name
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return schema["enum"][0]
    for key in ("anyOf", "oneOf"):
        if isinstance(schema.get(key), list) and schema[key]:
            return example_input(schema[key][0], topic, d, name, depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object" or (kind is None and isinstance(schema.get("properties"), dict)):
        props = schema.get("properties")
        if not isinstance(props, dict):
            return {}
        return {k: example_input(v, topic, d, k, depth + 1) for k, v in props.items()}
    if kind == "array":
        return [example_input(schema.get("items"), topic, d, name, depth + 1)]
    if kind == "integer":
        return d[depth % len(d)] % 100
    if kind == "number":
        return round(d[depth % len(d)] / 8, 2)
    if kind == "boolean":
        return d[depth % len(d)] % 2 == 0
    if kind == "null":
        return None
    return f"{name} of {topic}"[:80] if topic else name


def tool_use_block(tool: dict, topic: str, d: bytes) -> dict:
    schema = tool.get("input_schema")
    value = example_input(schema, topic, d)
    return {
        "type": "tool_use",
        "id": block_id("toolu_01", d[1:]),
        "name": tool["name"],
        "input": value if isinstance(value, dict) else {"value": value},
    }


def wants_web_search(params: dict) -> bool:
    tools = params.get("tools")
    return isinstance(tools, list) and any(
        isinstance(t, dict) and str(t.get("type", "")).startswith("web_search_") for t in tools
    )


def web_search_blocks(topic: str, d: bytes) -> list[dict]:
    call_id = block_id("srvtoolu_01", d[2:])
    slug = "-".join(topic.lower().split()[:4]) or "results"
    return [
        {"type": "server_tool_use", "id": call_id, "name": "web_search", "input": {"query": topic or "news"}},
        {
            "type": "web_search_tool_result",
            "tool_use_id": call_id,
            "content": [
                {
                    "type": "web_search_result",
                    "url": f"https://example.com/{slug}",
                    "title": f"{topic or 'Results'}: an overview",
                    "encrypted_content": base64.b64encode(d * 2).decode(),
                    "page_age": None,
                }
            ],
        },
    ]
