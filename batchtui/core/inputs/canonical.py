"""A stable text form of a request's params, to recognise identical requests across files and batches."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any


def canonical_params_json(params: Mapping[str, Any]) -> str:
    """Keys sorted, no whitespace, non-ASCII kept as is: equal params give equal text."""
    return json.dumps(params, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def params_hash(params: Mapping[str, Any]) -> str:
    """sha256 hex of `canonical_params_json(params)` in UTF-8 (lone surrogates passed through, not an error)."""
    return hashlib.sha256(canonical_params_json(params).encode("utf-8", "surrogatepass")).hexdigest()
