"""The engine's commands as a user runs them: `submit --engine temporal --wait --json`, `workflows --json`,
`cancel` of a workflow-tracked batch (through the signal), the webhook, and the errors that say what to do."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import ClassVar

import pytest

from tests.temporal.conftest import kill9, write_requests
from tests.temporal.test_workflow import listed_batches

pytestmark = pytest.mark.timeout(180)


def run_cli(engine, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {"ANTHROPIC_API_KEY": "test", "ANTHROPIC_BASE_URL": engine.base_url,
           "BATCHTUI_DB": str(engine.settings.db_path), "TEMPORAL_ADDRESS": engine.address,
           "BATCHTUI_SPOOL_DIR": str(engine.spool), "PATH": "/usr/bin:/bin"}  # fmt: skip
    return subprocess.run([sys.executable, "-m", "batchtui", *args], env=env, capture_output=True, text=True,
                          timeout=timeout)  # fmt: skip


class Hook(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[dict, str]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["content-length"]))
        Hook.received.append((json.loads(body), self.headers.get("Idempotency-Key", "")))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def webhook():
    server = HTTPServer(("127.0.0.1", 0), Hook)
    Hook.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", Hook.received
    server.shutdown()


@pytest.mark.emulator(batch_seconds=1)
def test_submit_wait_json_then_workflows_lists_it(engine, tmp_path, webhook):
    url, received = webhook
    source = write_requests(tmp_path / "req.jsonl", 9)
    proc = engine.worker_process()
    try:
        task = ["--task-queue", engine.task_queue]
        done = run_cli(engine, "submit", str(source), "--engine", "temporal", "--wait", "--json", *task,
                       "--label", "cli", "--notify-webhook", url)  # fmt: skip
        assert done.returncode == 0, done.stderr
        out = json.loads(done.stdout)
        assert out["workflow_id"] == f"batchtui-sub-{out['submission_id']}" and out["phase"] == "done"
        assert out["request_count"] == 9 and out["counts"]["succeeded"] == 9 and len(out["batch_ids"]) == 1
        assert out["temporal_ui"].endswith(f"/namespaces/default/workflows/{out['workflow_id']}")
        listing = run_cli(engine, "workflows", "--json")
        assert listing.returncode == 0, listing.stderr
        rows = {r["workflow_id"]: r for r in json.loads(listing.stdout)}
        assert rows[out["workflow_id"]]["batch_ids"] == out["batch_ids"]
    finally:
        kill9(proc)
    ((summary, key),) = received
    assert summary["phase"] == "done" and summary["batch_ids"] == out["batch_ids"]
    assert key.startswith(out["workflow_id"] + "/")


@pytest.mark.emulator(batch_seconds=60)
def test_cancel_of_a_workflow_batch_goes_through_the_signal(engine, tmp_path):
    source = write_requests(tmp_path / "req.jsonl", 4)
    proc = engine.worker_process()
    try:
        started = run_cli(engine, "submit", str(source), "--engine", "temporal", "--json",
                          "--task-queue", engine.task_queue)  # fmt: skip
        assert started.returncode == 0, started.stderr
        workflow_id = json.loads(started.stdout)["workflow_id"]
        import time

        deadline = time.monotonic() + 60
        while not listed_batches(engine.base_url):
            assert time.monotonic() < deadline
            time.sleep(0.2)
        (batch,) = listed_batches(engine.base_url)
        canceled = run_cli(engine, "cancel", batch.id)
        assert canceled.returncode == 0, canceled.stderr
        assert canceled.stdout.strip() == f"{batch.id}\tcancel requested (workflow {workflow_id})"
        result = run_cli(engine, "workflows", "--json")
        deadline = time.monotonic() + 60
        while json.loads(result.stdout)[0]["phase"] != "canceled":
            assert time.monotonic() < deadline, result.stdout
            time.sleep(0.5)
            result = run_cli(engine, "workflows", "--json")
    finally:
        kill9(proc)
    assert listed_batches(engine.base_url)[0].processing_status == "ended"


def test_bad_input_is_refused_before_any_workflow(engine, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"custom_id": "a", "params": {"model": "claude-sonnet-4-5"}}\n')
    done = run_cli(engine, "submit", str(bad), "--engine", "temporal")
    assert done.returncode == 2 and "bad.jsonl:1" in done.stderr
    assert not list(engine.spool.glob("*.json"))


def test_no_server_says_how_to_start_one(engine, tmp_path):
    source = write_requests(tmp_path / "req.jsonl", 2)
    done = run_cli(engine, "submit", str(source), "--engine", "temporal", "--temporal-address", "127.0.0.1:1")
    assert done.returncode == 1 and "batchtui temporal dev" in done.stderr
    assert not list(engine.spool.glob("*.json")), "nothing is left behind"
