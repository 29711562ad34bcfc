"""Freezing the heap once per occasion also makes full collections rarer, and never more frequent."""

from __future__ import annotations

import gc

from batchtui.tui import heap


def test_freeze_once_makes_full_passes_rarer_once() -> None:
    before = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)
        heap.freeze_once("test: first")
        assert gc.get_threshold() == (700, 10, heap.FULL_PASS_EVERY)
        gc.set_threshold(700, 10, 500)  # a higher setting is kept
        heap.freeze_once("test: second")
        assert gc.get_threshold() == (700, 10, 500)
        gc.set_threshold(700, 10, 10)
        heap.freeze_once("test: first")  # an occasion that came already: nothing done
        assert gc.get_threshold() == (700, 10, 10)
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()
