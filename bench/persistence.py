"""What keeping the local stage's data costs (issue 17): start-up against stored dossiers, and the write overhead.

1. Start-up: one stack fills up to each size in `--sizes`, then is stopped in both ways a developer
   stops it and started again each time. The first `--api-dossiers` are created through the API
   (8 clients, each dossier with one small attachment: 17 a second here, so 10 000 would take ten
   minutes); the rest are copies of those, each with a new id and portal code, written into the
   emulator through the AWS API (batches of 25 items, one object each): the same items and objects,
   journaled and snapshotted like any others, in a minute. Then the stack is killed with SIGKILL (the start replays the journal since the last snapshot) and
   stopped with Ctrl-C (the last snapshot holds everything). For each: seconds to "motcua is ready",
   and the emulator's own load time (snapshot + journal, from `state/loaded.json`). Goal: under 10 s
   with 10 000 dossiers.
2. Write overhead: `POST /v1/dossiers` p50, sequential, on a stack that keeps its state and one that
   keeps it in memory (`motcua serve --in-memory`), both up at once and called in alternating rounds,
   so that the machine's other load falls on both sides of the ratio.

Run: `.venv/bin/python bench/persistence.py [--sizes 1000,10000] [--calls 300]`; prints one JSON object:
`persist_ready_s_<n>_killed`, `persist_ready_s_<n>_stopped`, `persist_load_s_<n>_...`,
`persist_snapshot_mb_<n>`, `persist_fill_dossiers_per_s`, `persist_clone_dossiers_per_s`, `create_p50_ms_persisted`, `create_p50_ms_in_memory`,
`persist_create_overhead_ratio`.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import MOTCUA, PROJECT_DIR, create_body, free_port, loadavg, token

ATTACHMENT = b"%PDF-1.4\n% motcua bench attachment\n" + b"0" * 2048 + b"\n%%EOF\n"


class Serve:
    """A `motcua serve` on a fixed state directory and ports that can be killed and started again."""

    def __init__(self, state: Path, in_memory: bool = False) -> None:
        self.state, self.in_memory = state, in_memory
        self.port, self.emulator_port = free_port(), free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 600) -> float:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MOTCUA_"))}
        env.update(
            PORT=str(self.port),
            MOTCUA_EMULATOR_PORT=str(self.emulator_port),
            MOTCUA_STATE_DIR=str(self.state),
            MOTCUA_WORKERS="1",
        )
        out = self.state / "serve.out"
        self.state.mkdir(parents=True, exist_ok=True)
        before = out.read_bytes().count(b"motcua is ready") if out.exists() else 0
        started = time.perf_counter()
        command = [MOTCUA, "serve", *(["--in-memory"] if self.in_memory else [])]
        self.process = subprocess.Popen(
            command, cwd=PROJECT_DIR, env=env, stdout=open(out, "ab"), stderr=subprocess.STDOUT, start_new_session=True
        )
        while out.read_bytes().count(b"motcua is ready") <= before:
            if self.process.poll() is not None or time.perf_counter() - started > timeout:
                self.kill()
                raise SystemExit(f"motcua serve not ready:\n{out.read_text(errors='replace')[-3000:]}")
            time.sleep(0.05)
        return time.perf_counter() - started

    def _gone(self) -> None:
        assert self.process is not None
        for _ in range(600):
            try:
                os.killpg(self.process.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self._gone()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            self.process.wait(timeout=300)
        self._gone()

    def loaded(self) -> dict:
        return json.loads((self.state / "state" / "loaded.json").read_text())

    def phases(self) -> str:
        """The last start's phases as `motcua serve` printed them ("emulator, stack and keys 4.4 s, ...")."""
        ready = [
            line
            for line in (self.state / "serve.out").read_text(errors="replace").splitlines()
            if "is ready in" in line
        ]
        return ready[-1].split("(", 1)[1].split(")", 1)[0] if ready and "(" in ready[-1] else ""


def _fill(serve: Serve, count: int, clients: int = 8) -> float:
    """Create `count` dossiers with one attachment each; returns dossiers per second."""
    headers = {"Authorization": f"Bearer {token(serve.state)}"}

    def one(_: int) -> None:
        with requests.Session() as s:
            for _ in range(3):
                try:
                    d = s.post(f"{serve.base}/v1/dossiers", json=create_body(), headers=headers, timeout=120).json()
                    s.put(
                        f"{serve.base}/v1/dossiers/{d['id']}/attachments/request.pdf",
                        data=ATTACHMENT,
                        headers={**headers, "Content-Type": "application/pdf"},
                        timeout=120,
                    ).raise_for_status()
                    return
                except (requests.RequestException, KeyError, ValueError):
                    time.sleep(1)
            raise RuntimeError("create failed three times")

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(one, range(count)))
    return count / (time.perf_counter() - started)


def _clone(serve: Serve, count: int) -> float:
    """Add `count` dossiers copied from those already there (items of the dossiers and audit tables,
    and attachments, with the dossier's id and portal code replaced); returns dossiers per second."""
    import uuid

    import boto3

    kw = {
        "endpoint_url": f"http://127.0.0.1:{serve.emulator_port}",
        "region_name": "ap-southeast-1",
        "aws_access_key_id": "testing",
        "aws_secret_access_key": "testing",
    }
    db, s3 = boto3.client("dynamodb", **kw), boto3.client("s3", **kw)
    bucket = "motcua-local-originals-123456789012"
    items: dict[str, list[dict]] = {}
    for table in ("dossiers", "audit"):
        for page in db.get_paginator("scan").paginate(TableName=f"motcua-local-{table}"):
            items[table] = items.get(table, []) + page["Items"]
    dossiers = [i for i in items["dossiers"] if not i["id"]["S"].startswith("portal#") and "body" in i]
    texts = {table: [json.dumps(item, ensure_ascii=False) for item in items[table]] for table in items}
    sources = []  # per dossier: its id, its portal code, and the serialised items that name either
    for source in dossiers:
        old_id, old_code = source["id"]["S"], json.loads(source["body"]["S"])["portal_code"]
        sources.append((old_id, old_code, {t: [x for x in texts[t] if old_id in x or old_code in x] for t in texts}))
    started = time.perf_counter()
    pending: dict[str, list[dict]] = {"dossiers": [], "audit": []}

    def flush(table: str) -> None:
        while pending[table]:
            batch, pending[table] = pending[table][:25], pending[table][25:]
            db.batch_write_item(RequestItems={f"motcua-local-{table}": [{"PutRequest": {"Item": i}} for i in batch]})

    for n in range(count):
        old_id, old_code, own = sources[n % len(sources)]
        new_id, new_code = uuid.uuid4().hex, f"G22.99-200512-{uuid.uuid4().hex[:12]}"
        for table, serialised in own.items():
            copies = [json.loads(x.replace(old_id, new_id).replace(old_code, new_code)) for x in serialised]
            for copy in copies:  # the portal has these entries already (else the sweep queues 10 000 notifications)
                copy.pop("unsent", None)
            pending[table] += copies
            if len(pending[table]) >= 25:
                flush(table)
        s3.put_object(
            Bucket=bucket,
            Key=f"dossiers/{new_id}/attachments/request.pdf",
            Body=ATTACHMENT,
            ContentType="application/pdf",
        )
    for table in pending:
        flush(table)
    return count / (time.perf_counter() - started)


def _create_p50(bases: dict[str, tuple[str, dict[str, str]]], calls: int, rounds: int = 4) -> dict[str, float]:
    samples: dict[str, list[float]] = {name: [] for name in bases}
    sessions = {name: requests.Session() for name in bases}
    for name, (base, headers) in bases.items():  # warm up
        for _ in range(10):
            sessions[name].post(
                f"{base}/v1/dossiers", json=create_body(), headers=headers, timeout=60
            ).raise_for_status()
    for _ in range(rounds):
        for name, (base, headers) in bases.items():
            for _ in range(max(1, calls // rounds)):
                started = time.perf_counter()
                sessions[name].post(
                    f"{base}/v1/dossiers", json=create_body(), headers=headers, timeout=60
                ).raise_for_status()
                samples[name].append((time.perf_counter() - started) * 1000)
    return {name: round(statistics.median(values), 2) for name, values in samples.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--calls", type=int, default=300, help="sequential creates per side for the p50")
    parser.add_argument(
        "--api-dossiers", type=int, default=300, help="dossiers created through the API; the rest are copies"
    )
    args = parser.parse_args()
    figures: dict[str, object] = {"persist_loadavg_start": loadavg()}
    root = Path(tempfile.mkdtemp(prefix="motcua-bench-persist-"))

    # 2. the write overhead first, on fresh stacks, both up at once
    persisted, in_memory = Serve(root / "persisted"), Serve(root / "in-memory", in_memory=True)
    try:
        persisted.start()
        in_memory.start()
        p50 = _create_p50(
            {
                "persisted": (persisted.base, {"Authorization": f"Bearer {token(persisted.state)}"}),
                "in_memory": (in_memory.base, {"Authorization": f"Bearer {token(in_memory.state)}"}),
            },
            args.calls,
        )
    finally:
        in_memory.stop()
        persisted.stop()
    figures.update(
        create_p50_ms_persisted=p50["persisted"],
        create_p50_ms_in_memory=p50["in_memory"],
        persist_create_overhead_ratio=round(p50["persisted"] / p50["in_memory"], 2),
    )
    print(f"create p50: {p50}", file=sys.stderr, flush=True)

    # 1. start-up against stored dossiers
    serve = Serve(root / "filled")
    stored, fill_rates, clone_rates = 0, [], []
    try:
        serve.start()
        for size in sorted(int(s) for s in args.sizes.split(",")):
            through_api = max(0, min(size, args.api_dossiers) - stored)
            if through_api:
                fill_rates.append(_fill(serve, through_api))
            if size - stored - through_api > 0:
                clone_rates.append(_clone(serve, size - stored - through_api))
            stored = size
            serve.kill()
            figures[f"persist_ready_s_{size}_killed"] = round(serve.start(), 2)
            loaded = serve.loaded()
            figures[f"persist_load_s_{size}_killed"] = round(loaded["seconds"], 2)
            figures[f"persist_phases_{size}_killed"] = serve.phases()
            figures[f"persist_journal_records_{size}_killed"] = loaded["journal_records"]
            figures[f"persist_import_s_{size}_killed"] = round(loaded.get("import_seconds", 0), 2)
            figures[f"persist_dossiers_loaded_{size}"] = loaded["counts"]["dossiers"]
            serve.stop()
            figures[f"persist_snapshot_mb_{size}"] = round(
                (serve.state / "state" / "snapshot.pickle").stat().st_size / 1e6, 1
            )
            figures[f"persist_ready_s_{size}_stopped"] = round(serve.start(), 2)
            figures[f"persist_load_s_{size}_stopped"] = round(serve.loaded()["seconds"], 2)
            figures[f"persist_phases_{size}_stopped"] = serve.phases()
            print(
                f"{size}: {json.dumps({k: v for k, v in figures.items() if f'_{size}' in k})}",
                file=sys.stderr,
                flush=True,
            )
    finally:
        serve.stop()
    figures["persist_fill_dossiers_per_s"] = round(statistics.median(fill_rates), 1) if fill_rates else 0
    figures["persist_clone_dossiers_per_s"] = round(statistics.median(clone_rates), 1) if clone_rates else 0
    figures["persist_loadavg_end"] = loadavg()
    if not os.environ.get("BENCH_KEEP_STATE"):
        import shutil

        shutil.rmtree(root, ignore_errors=True)
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
