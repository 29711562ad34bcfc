"""The Temporal engine's chunks on disk (real files): a file staged all or nothing, and chunks cut into part
spools in order, within the limits, never two equal custom_ids in one part, metadata beside them, and the same
bytes under the same names when cut again (an activity run twice)."""

from __future__ import annotations

import json

from batchtui.core.inputs import RequestDefaults, SplitLimits
from batchtui.core.inputs.split import body_size
from batchtui.service.queue_chunks import build_parts, drop_chunk, stage_chunk
from batchtui.service.spool import metadata_sidecar, spooled_metadata, spooled_requests
from tests.queue.support import write_requests


def csv_file(path, rows: range):
    path.write_text("id,prompt,team\n" + "".join(f"c-{i},question {i},t{i}\n" for i in rows))
    return path


def test_a_bad_file_stages_nothing(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"custom_id": "a", "params": {"model": "claude-haiku-4-5", "max_tokens": 5, "messages": []}}\n')
    report, chunk = stage_chunk(bad, tmp_path / "spool", "queue-x-0.json")
    assert chunk is None and not report.ok
    assert list((tmp_path / "spool").iterdir()) == []


def test_chunks_are_cut_in_order_within_the_limits_and_with_unique_ids(tmp_path):
    folder = tmp_path / "spool"
    _, first = stage_chunk(write_requests(tmp_path / "a.jsonl", 5), folder, "queue-a-0.json")
    _, second = stage_chunk(write_requests(tmp_path / "b.jsonl", 4, start=3), folder, "queue-b-0.json")
    assert (first.request_count, second.request_count) == (5, 4)
    parts = build_parts([first.path, second.path], folder, lambda k: f"qe-1-{k}", SplitLimits(max_requests=4))
    cut = [[cid for cid, _ in spooled_requests(p.path)] for p in parts]
    assert cut == [["q-0", "q-1", "q-2", "q-3"], ["q-4", "q-3"], ["q-4", "q-5", "q-6"]], "a reused id starts a part"
    assert [p.submission_id for p in parts] == ["qe-1-1", "qe-1-2", "qe-1-3"]
    for part in parts:
        text = part.path.read_bytes()
        json.loads(text)  # a valid create body
        sizes = [len(line.rstrip(b",")) for line in text.splitlines()[1:-1]]
        assert part.body_bytes == len(text) == body_size(sizes)


def test_the_body_limit_and_the_metadata_follow_each_request(tmp_path):
    folder = tmp_path / "spool"
    source = csv_file(tmp_path / "rows.csv", range(6))
    _, chunk = stage_chunk(source, folder, "queue-c-0.json", defaults=RequestDefaults("claude-haiku-4-5", 10))
    one = len(chunk.path.read_bytes().splitlines()[1].rstrip(b","))  # every row's item has this size
    parts = build_parts([chunk.path], folder, lambda k: f"qm-1-{k}", SplitLimits(max_body_bytes=body_size([one] * 2)))
    assert [p.request_count for p in parts] == [2, 2, 2]
    assert dict(spooled_metadata(metadata_sidecar(parts[2].path))) == {"c-4": '{"team":"t4"}', "c-5": '{"team":"t5"}'}
    again = build_parts([chunk.path], folder, lambda k: f"qm-1-{k}", SplitLimits(max_body_bytes=body_size([one] * 2)))
    assert [p.digest for p in again] == [p.digest for p in parts], "cut again: the same bytes, the same names"
    drop_chunk(chunk.path)
    assert not chunk.path.exists() and not metadata_sidecar(chunk.path).exists()
