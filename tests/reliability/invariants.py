"""What must hold after any crash and restart, checked with plain SQL on the cache and on the emulator's own
database (the API's side: every batch it holds and the custom_ids of its requests)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from tests.reliability.rig import Rig, query


def emulator_batches(emulator_db: Path) -> dict[str, set[str]]:
    """Every batch the emulator holds → the custom_ids of its requests."""
    out: dict[str, set[str]] = defaultdict(set)
    for batch_id, custom_id in query(emulator_db, "SELECT b.id, r.custom_id FROM batches b "
                                     "JOIN requests r ON r.batch_seq = b.seq") or []:  # fmt: skip
        out[batch_id].add(custom_id)
    return dict(out)


def submission_ids(rig: Rig, submission_id: str) -> set[str]:
    return {c for (c,) in rig.store("SELECT custom_id FROM requests WHERE submission_id = ?", (submission_id,))}


def check_store(rig: Rig, *, settled: bool = True) -> dict[str, set[str]]:
    """Assert the invariants; returns the emulator's batches. `settled`: every batch has ended and been synced, so
    every batch of the emulator must be attributed and every result stored."""
    db = rig.db
    assert query(db, "PRAGMA integrity_check") == [("ok",)]
    assert query(db, "PRAGMA foreign_key_check") == []
    remote = emulator_batches(rig.emulator_db)
    subs = rig.store("SELECT id, state, batch_id, candidate_batch_id FROM submissions")
    owners: dict[str, list[str]] = defaultdict(list)
    for sub_id, state, batch_id, candidate in subs:
        for claimed in {batch_id, candidate} - {None}:
            owners[claimed].append(sub_id)
            # The right one: the batch the API holds has exactly this submission's requests.
            assert claimed in remote, f"submission {sub_id} ({state}) claims {claimed}, which the API never made"
            assert remote[claimed] == submission_ids(rig, sub_id), f"{sub_id} holds {claimed}: other custom_ids"
        if state == "created":
            assert batch_id is not None, f"submission {sub_id} created without a batch"
    for batch_id, holders in owners.items():
        assert len(holders) == 1, f"{batch_id} is claimed by submissions {holders}"
    if settled:
        # recorded: never sent, so reconcile must have failed it; sending or unknown: sent, no batch came of it
        recorded = rig.store("SELECT id FROM submissions WHERE state = 'recorded'")
        assert not recorded, f"submissions {recorded} were never sent and are still open"
        created = {b for (b,) in rig.store("SELECT batch_id FROM submissions WHERE state = 'created'")}
        unattributed = set(remote) - created
        assert not unattributed, f"the API holds {unattributed}, attributed to no submission"
        for sub_id, state, _, _ in subs:
            if state in ("sending", "unknown"):  # none of the API's batches may be its own
                mine = submission_ids(rig, sub_id)
                assert all(ids != mine for ids in remote.values()), f"{sub_id} is unknown but its batch exists"
    check_results(rig, remote, settled=settled)
    return remote


def check_results(rig: Rig, remote: dict[str, set[str]], *, settled: bool) -> None:
    """Every ended batch's results: each custom_id exactly once, the API's own set (when complete)."""
    for batch_id, results_state, rows in rig.store(
        "SELECT id, results_state, results_rows FROM batches WHERE processing_status = 'ended'"
    ):
        if settled:
            assert results_state == "complete", f"{batch_id} ended but its results are {results_state}"
        total, distinct = rig.store(
            "SELECT count(*), count(DISTINCT custom_id) FROM results "
            "WHERE batch_key = (SELECT key FROM batches WHERE id = ?)",
            (batch_id,),
        )[0]
        assert total == distinct, f"{batch_id}: a result stored twice"
        if results_state == "complete":
            stored = {c for (c,) in rig.store(
                "SELECT custom_id FROM results WHERE batch_key = (SELECT key FROM batches WHERE id = ?)", (batch_id,)
            )}  # fmt: skip
            assert stored == remote[batch_id], f"{batch_id}: stored results are not the API's requests"
            assert rows == total


def tmp_spools(rig: Rig) -> list[Path]:
    return list(rig.spool.glob("tmp-*")) if rig.spool.exists() else []
