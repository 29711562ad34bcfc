"""Reply text that reads like an answer to the prompt: a few composers (summary, sentiment, translation,
extraction, question, anything else), each with several wordings picked by the request's digest.

Nothing here is a language model: composers look at the prompt's words (what it asks, the text it is about) and
fill short templates. It is enough for a demo to look alive and for tests to see varied, realistic text; the same
digest always gives the same answer. Answers quote the prompt (a restated topic, a quoted ticket), so a hostile
prompt becomes hostile model output: the dashboard's tests rely on that.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence


def _pick(options: Sequence[str], d: bytes, i: int) -> str:
    return options[d[i % len(d)] % len(options)]


def _subject(prompt: str) -> str:
    """The text the prompt is about: its last line when an instruction comes first ("Summarize this:\\n..."),
    else the prompt itself; whitespace folded, at most 300 characters."""
    lines = [line.strip() for line in prompt.strip().splitlines() if line.strip()]
    text = lines[-1] if len(lines) > 1 else " ".join(lines)
    text = " ".join(text.split())
    return text if len(text) <= 300 else text[:299].rstrip() + "…"


def _clause(text: str) -> str:
    """`text` to quote inside a sentence: no final full stop."""
    return text.rstrip(" .")


# -- summaries -------------------------------------------------------------------------------------------------

_AREAS = (
    (("invoice", "charge", "billing", "refund", "payment", "plan"), "Billing"),
    (("password", "login", "log in", "sign in", "reset", "account"), "Account access"),
    (("delivery", "shipping", "shipped", "parcel", "arrived"), "Shipping"),
    (("battery", "scratches", "hardware", "device"), "Hardware"),
    (("export", "button", "dashboard", "filter", "screen", "page"), "Product UI"),
)


def _area(lower: str) -> str:
    return next((area for words, area in _AREAS if any(w in lower for w in words)), "General")


def _summary(prompt: str, d: bytes) -> str:
    subject = _clause(_subject(prompt))
    area = _area(subject.lower())
    first = _pick(
        (
            f"The customer reports: “{subject}”.",
            f"A customer writes that “{subject}”.",
            f"Issue raised: “{subject}”.",
        ),
        d,
        1,
    )
    second = _pick(
        (
            "They want it fixed and a confirmation once it is.",
            "No workaround is mentioned, so a reply should give a clear timeline.",
            "The tone is frustrated but polite; a quick acknowledgement would help.",
            "It reads as a first contact, with no earlier ticket referenced.",
        ),
        d,
        2,
    )
    tag = _pick((f"Product area: {area}.", f"Tag: {area.lower()}", f"[{area}]"), d, 3)
    return f"{first} {second}\n\n{tag}"


# -- sentiment -------------------------------------------------------------------------------------------------

_POSITIVE = ("great", "love", "faster", "excellent", "good", "happy", "fast", "easy", "perfect", "nice")
_NEGATIVE = ("scratches", "nobody", "hard", "broken", "slow", "expired", "never", "worst", "bad", "greys out", "late")


def _sentiment(prompt: str, d: bytes) -> str:
    subject = _subject(prompt)
    lower = subject.lower()
    good = [w for w in _POSITIVE if re.search(rf"\b{re.escape(w)}\b", lower)]
    bad = [w for w in _NEGATIVE if re.search(rf"\b{re.escape(w)}\b", lower)]
    if good and bad:
        label, why = "neutral", f"it praises “{good[0]}” but complains about “{bad[0]}”, so the two roughly cancel out"
    elif good:
        label, why = "positive", f"the reviewer is pleased (“{good[0]}”) and raises no real complaint"
    elif bad:
        label, why = "negative", f"the main point is a complaint (“{bad[0]}”) with nothing offsetting it"
    else:
        label, why = "neutral", "it states facts without praise or complaint"
    return _pick(
        (
            f"{label.capitalize()}. {why[0].upper()}{why[1:]}.",
            f"Sentiment: {label}. Reason: {why}.",
            f"I would classify this review as {label}: {why}.",
        ),
        d,
        4,
    )


# -- translation -----------------------------------------------------------------------------------------------

# The demo's own sample sentences, so a demo translation is a real one; any other text gets a generic answer.
_FRENCH = {
    "My invoice for October shows two charges for the same plan.": (
        "Ma facture d'octobre indique deux prélèvements pour le même abonnement."
    ),
    "The export button greys out after I apply a date filter.": (
        "Le bouton d'export devient grisé dès que j'applique un filtre de date."
    ),
    "Great battery life, but the screen scratches far too easily.": (
        "Excellente autonomie, mais l'écran se raye beaucoup trop facilement."
    ),
    "Delivery took three weeks and nobody answered my emails.": (
        "La livraison a pris trois semaines et personne n'a répondu à mes e-mails."
    ),
    "Acme Corp signed the agreement with Globex on 12 March 2025.": (
        "Acme Corp a signé l'accord avec Globex le 12 mars 2025."
    ),
    "What is the boiling point of water at the top of Mount Everest?": (
        "Quel est le point d'ébullition de l'eau au sommet de l'Everest ?"
    ),
    "The new dashboard is faster, though the colours are hard to read.": (
        "Le nouveau tableau de bord est plus rapide, même si les couleurs sont difficiles à lire."
    ),
    "Please reset my password; the reset link in the email has expired.": (
        "Merci de réinitialiser mon mot de passe : le lien reçu par e-mail a expiré."
    ),
    "Initech and Umbrella announced a merger on 3 June 2026.": (
        "Initech et Umbrella ont annoncé leur fusion le 3 juin 2026."
    ),
    "How many moons does Jupiter have, and which is the largest?": (
        "Combien de lunes Jupiter possède-t-elle, et quelle est la plus grande ?"
    ),
}


def _translation(prompt: str, d: bytes) -> str:
    subject = _subject(prompt)
    french = _FRENCH.get(subject)
    if french is None:
        return _pick(
            (
                f"Voici une traduction qui garde le ton de l'original :\n\n« {subject} »",
                f"Traduction proposée (registre conservé) :\n\n« {subject} »",
            ),
            d,
            5,
        )
    note = _pick(
        (
            "",
            "\n\nI kept the register of the original.",
            "\n\nNote: the French keeps the informal tone.",
        ),
        d,
        5,
    )
    return f"{french}{note}"


# -- extraction ------------------------------------------------------------------------------------------------

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October")
_MONTHS += ("November", "December")
_DATE = re.compile(rf"\b\d{{1,2}} (?:{'|'.join(_MONTHS)}) \d{{4}}\b|\b\d{{4}}-\d{{2}}-\d{{2}}\b")
_NAME = re.compile(r"\b[A-Z][A-Za-z&]+(?: (?:Corp|Inc|Ltd|LLC|Group|[A-Z][A-Za-z&]+))*")
_NOT_NAMES = {"The", "My", "Please", "What", "How", "When", "Who", "Why", "Great", "Delivery", "I", "A", "An"}


def _extraction(prompt: str, d: bytes) -> str:
    subject = _subject(prompt)
    dates = _DATE.findall(subject)
    rest = _DATE.sub(" ", subject)
    names = [n for n in _NAME.findall(rest) if n not in _NOT_NAMES and n not in _MONTHS]
    names = list(dict.fromkeys(names))
    style = d[6] % 3
    if style == 0:
        quoted = ", ".join(f'"{n}"' for n in names)
        when = ", ".join(f'"{x}"' for x in dates)
        return f'{{"companies": [{quoted}], "dates": [{when}]}}'
    none = "none mentioned"
    if style == 1:
        return f"Companies: {', '.join(names) or none}\nDates: {', '.join(dates) or none}"
    lines = [f"- {n} (organisation)" for n in names] + [f"- {x} (date)" for x in dates]
    return "Entities found:\n" + ("\n".join(lines) if lines else "- none")


# -- questions -------------------------------------------------------------------------------------------------

_FACTS = (
    (
        ("boiling", "everest"),
        "About 70 °C (158 °F). Air pressure at the summit is roughly a third of sea level, so water boils about "
        "30 °C lower than at the coast.",
    ),
    (
        ("moons", "jupiter"),
        "Jupiter has 95 officially recognised moons, and more candidates keep being found. The largest is "
        "Ganymede, which is bigger than the planet Mercury.",
    ),
    (
        ("charged", "twice"),
        "A double charge is usually a pending authorisation next to the final payment; the pending one drops "
        "off within a few days. If both have settled, support can refund one.",
    ),
)

_GENERAL = (
    "The short answer is yes, with one caveat worth spelling out.",
    "Here are the key points, in order of importance.",
    "First, the underlying assumption holds for most practical cases.",
    "Second, the edge cases mostly come from inconsistent input data.",
    "A simple way to check this is to compare a small sample by hand.",
    "If the numbers disagree, the older record is usually the culprit.",
    "In summary, the approach is sound and needs only minor changes.",
    "Three risks stand out: cost, latency and data quality.",
    "Nothing in the text suggests urgency, so a standard reply fits.",
    "It depends mostly on how often the data changes.",
    "The safest option is to start small and measure before scaling up.",
    "Most of the effort goes into the first, careful pass.",
)
_OPENERS = ("", "Good question. ", "In short: ", "Briefly: ", "Here is what I would say. ")
# An answer restates what it is about (the prompt's first words), as a model often does: "Regarding “…”: ".
_RESTATED = ("Regarding “{}”: ", "On “{}”: ", "You asked about “{}”. ", "About “{}”, in short: ")


def _opener(prompt: str, d: bytes) -> str:
    topic = " ".join(prompt.split()[:8])
    return _pick(_RESTATED, d, 9).format(topic) if topic else _pick(_OPENERS, d, 9)


_CLOSERS = (
    "",
    "",
    "\n\nLet me know if you would like a longer or more formal version.",
    "\n\nHappy to go into more detail on any of these.",
)


def _general(prompt: str, d: bytes) -> str:
    n = 2 + d[7] % 4
    body = " ".join(dict.fromkeys(_GENERAL[d[8 + i] % len(_GENERAL)] for i in range(n)))
    return f"{_opener(prompt, d)}{body}{_pick(_CLOSERS, d, 10)}"


def _answer(prompt: str, d: bytes) -> str:
    lower = prompt.lower()
    fact = next((text for words, text in _FACTS if all(w in lower for w in words)), None)
    text = f"{_pick(_OPENERS, d, 9)}{fact}" if fact is not None else _general(prompt, d)
    if "confidence" in lower:
        text += f"\n\nConfidence: {5 if fact else 2 + d[11] % 3}/5"
    return text


# -- choosing --------------------------------------------------------------------------------------------------

_QUESTION_START = ("what", "how", "why", "when", "who", "which", "where", "is ", "are ", "can ", "does ", "do ")
_KINDS: tuple[tuple[Callable[[str], bool], Callable[[str, bytes], str]], ...] = (
    (lambda p: "translat" in p, _translation),
    (lambda p: "sentiment" in p or "classify" in p, _sentiment),
    (lambda p: "summar" in p, _summary),
    (lambda p: "extract" in p or "entities" in p, _extraction),
    (lambda p: "?" in p or p.startswith(_QUESTION_START) or "answer the question" in p, _answer),
)


def compose_reply(prompt: str, d: bytes) -> str:
    """The answer to `prompt`, worded by the digest `d` (32 bytes)."""
    lower = prompt.lower()
    compose = next((fn for test, fn in _KINDS if test(lower)), _general)
    return compose(prompt, d)
