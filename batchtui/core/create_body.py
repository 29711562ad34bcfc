"""The create body as batchtui sends it: one request per line between these. Its own module so that whoever only
needs its framing (the store sizing a queue flush) does not import every input reader with it."""

BODY_HEAD = b'{"requests":[\n'
BODY_SEP = b",\n"
BODY_TAIL = b"\n]}"
