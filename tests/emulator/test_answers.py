"""Reply text: varied and plausible for the kind of prompt, and the same for the same request."""

from __future__ import annotations

from batchtui.emulator.replies import reply_text
from batchtui.emulator.seed import _SNIPPETS, _TEMPLATES


def _ask(text: str, custom_id: str = "r-1") -> str:
    return reply_text(custom_id, {"messages": [{"role": "user", "content": text}]})


def test_replies_fit_what_the_prompt_asks():
    assert _ask(_TEMPLATES["translate"].format(text=_SNIPPETS[0])).startswith("Ma facture d'octobre")
    extracted = _ask(_TEMPLATES["extract"].format(text="Acme Corp signed the agreement with Globex on 12 March 2025."))
    assert "Acme Corp" in extracted and "Globex" in extracted and "12 March 2025" in extracted
    sentiment = _ask(_TEMPLATES["sentiment"].format(text="Delivery took three weeks and nobody answered my emails."))
    assert "negative" in sentiment.lower()
    summary = _ask(_TEMPLATES["support"].format(text="My invoice for October shows two charges for the same plan."))
    assert "Billing" in summary or "billing" in summary
    assert "Ganymede" in _ask("How many moons does Jupiter have, and which is the largest?")


def test_replies_are_deterministic_and_varied():
    prompts = [t.format(text=s) for t in _TEMPLATES.values() for s in _SNIPPETS]
    replies = [_ask(p, f"id-{i}") for i, p in enumerate(prompts)]
    assert replies == [_ask(p, f"id-{i}") for i, p in enumerate(prompts)]  # the same request, the same reply
    assert len(set(replies)) >= 0.8 * len(replies)  # not one template
    openings = {r.split()[0] for r in replies}
    assert len(openings) >= 8
    generic = [_ask("Write a short note for the team", f"n-{i}") for i in range(20)]
    assert len(set(generic)) >= 15
