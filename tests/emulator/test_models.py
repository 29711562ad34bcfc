"""The emulator's static model list keeps up with the installed SDK (it is static so the emulator starts fast)."""

import typing

from anthropic.types import Model

from batchtui.emulator.validation import KNOWN_MODELS


def literal_strings(tp) -> set[str]:
    out: set[str] = set()
    for arg in typing.get_args(tp):
        out |= {arg} if isinstance(arg, str) else literal_strings(arg)
    return out


def test_every_model_the_sdk_knows_is_accepted():
    missing = literal_strings(Model) - KNOWN_MODELS
    assert not missing, f"add these to KNOWN_MODELS in batchtui/emulator/validation.py: {sorted(missing)}"
