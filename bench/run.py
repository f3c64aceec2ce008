"""`make bench`: every benchmark in turn, gathered into `build/bench.json`, `build/bench.md` and the plot.

    .venv/bin/python bench/run.py [--only api,load] [--skip faults] [--quick]

Each part is one of the bench scripts, run as its own process (as a reader would run it alone, each
starting and stopping its own local stack on free ports), with a time limit; its JSON is mapped to
flat figures with stable names (`api_vs_noop_ratio`, `pipeline_dossiers_per_min_w2`, ...). A part
that fails or is missing is noted and the rest still runs: one broken benchmark should not hide the
others' figures. Then every goal the issues set is judged (`<figure>_goal`, `<figure>_met`), the
summary is printed and saved, and `docs/bench/throughput.png` is redrawn.

Sizes are chosen so that the whole run stays well under 15 minutes on the project's 2-core machine
even when it is shared; `--quick` makes a smoke run of a few minutes. Every comparison is a ratio of
two things measured side by side in the same run, because absolute times on a shared machine are
noise. Exits 1 when a part failed (not when a goal is missed: the summary says that).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from goals import judge, summary
from plot import plot_throughput

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
Figures = dict[str, object]


@dataclass(frozen=True)
class Part:
    """One benchmark script and how its output becomes flat figures."""

    name: str
    script: str
    args: list[str]
    quick_args: list[str]
    timeout: float
    adapt: Callable[[dict], Figures]
    optional: bool = False
    """Missing script: a note, not a failure (the fault and fuzz runs are written apart)."""


def _scalars(raw: dict, prefix: str = "") -> Figures:
    """Every number, string and boolean of `raw`, nested keys joined by `_`, under `prefix`."""
    out: Figures = {}
    for key, value in raw.items():
        name = f"{prefix}{key}".replace("->", "_to_").replace(" ", "_")
        if isinstance(value, dict):
            out.update(_scalars(value, name + "_"))
        elif isinstance(value, (int, float, str, bool)):
            out[name] = value
    return out


def _imports(raw: dict) -> Figures:
    return {"cold_import_ratio": raw["cold_import_ratio"], **{k: v for k, v in raw.items() if k.startswith("import_")}}


def _slips(raw: dict) -> Figures:
    return {
        "slip_ms_median": raw["receipt_render_and_sign_ms"],
        "slip_render_ms_median": raw["receipt_render_ms"],
        "slip_sign_ms_median": raw["receipt_sign_ms"],
        "slip_vs_parts_ratio": raw["slip_vs_parts_ratio"],
        "slip_vs_sign_ratio": raw["slip_vs_sign_ratio"],
        "slips_per_second": raw["slips_per_second_warm_worker"],
        "slip_sign_bb_ms_median": raw["receipt_sign_bb_ms"],
        "slip_bb_ms_median": raw["receipt_render_and_sign_bb_ms"],
        "slip_vs_parts_ratio_bb": raw["slip_vs_parts_ratio_bb"],
        "slip_vs_sign_ratio_bb": raw["slip_vs_sign_ratio_bb"],
        "slips_per_second_blt": raw["slips_per_second_warm_worker_blt"],
    }


def _api(raw: dict) -> Figures:
    clients = next(k for k in raw if k.startswith("create_c") and k.endswith("_p50_ms")).split("_")[1]
    out: Figures = {"api_vs_noop_ratio": raw["api_vs_noop_ratio"], "api_clients": int(clients[1:])}
    for kind in ("create", "health"):
        out[f"api_{kind}_p50_ms"] = raw[f"{kind}_{clients}_p50_ms"]
        out[f"api_{kind}_p99_ms"] = raw[f"{kind}_{clients}_p99_ms"]
        out[f"api_{kind}_rps"] = raw[f"{kind}_{clients}_rps"]
        out[f"api_{kind}_sequential_p50_ms"] = raw[f"{kind}_seq_p50_ms"]
    out["api_create_p99_vs_p50_ratio"] = round(float(out["api_create_p99_ms"]) / float(out["api_create_p50_ms"]), 2)
    return out


FIELDS = (
    "full_name",
    "si_number",
    "date_of_birth",
    "id_number",
    "period_from",
    "period_to",
    "unit_code",
    "tax_code",
    "unit_name",
    "row_count",
)


def _extraction(raw: dict) -> Figures:
    """Accuracy per field over the scans at 200 and 300 dpi (where issue 3 sets its goals), 150 dpi apart."""
    acc = raw["accuracy"]
    out: Figures = {"ocr_overhead_ratio": raw["ocr_overhead_ratio"]}
    for field in FIELDS:
        goal_dpis = [acc[d][field] for d in ("200", "300") if d in acc and field in acc[d]]
        if goal_dpis:
            out[f"extraction_accuracy_{field}"] = round(sum(goal_dpis) / len(goal_dpis), 4)
        if field in acc.get("150", {}):
            out[f"extraction_accuracy_150dpi_{field}"] = acc["150"][field]
    overhead = raw["overhead"]
    out.update(
        ocr_warm_vs_bare_ratio=overhead["warm_vs_bare_ratio"],
        ocr_cli_engine_vs_bare_ratio=overhead["cli_engine_vs_bare_ratio"],
        ocr_engine=overhead["engine"],
        ocr_library_overhead_ratio=overhead["library_overhead_ratio"],
        ocr_bare_tesseract_s=overhead["bare_tesseract_seconds"],
        ocr_motcua_extract_s=overhead["motcua_extract_seconds"],
        ocr_overhead_samples=overhead["pages"] * overhead["repeat"],
        extraction_pages_per_second=raw["pages_per_second"],
        extraction_rows_per_dpi=acc["300"]["rows"],
    )
    return out


ACCURACY_FIELDS = (
    "si_number",
    "id_number",
    "date_of_birth",
    "period_from",
    "period_to",
    "full_name",
    "unit_code",
    "tax_code",
    "row_count",
)


def _accuracy(raw: dict) -> Figures:
    """Issue 13: field accuracy per generator (scans >= 200 dpi; phone photos apart) and the dossier outcomes."""
    out: Figures = {
        "false_bounce_rate": raw["false_bounce_rate"],
        "true_mismatch_recall": raw["true_mismatch_recall"],
        "accuracy_clean_dossiers": raw["clean_dossiers"],
        "accuracy_falsely_bounced": raw["falsely_bounced"],
        "accuracy_deliberate_mismatches": raw["deliberate_mismatches"],
        "accuracy_registry_passed": raw["registry_passed"],
        "accuracy_found_columns_passed": raw.get("found_columns_passed", False),
    }
    for key, fields in raw["accuracy"].items():
        out.update({f"accuracy_{key}_{f}": fields[f] for f in ACCURACY_FIELDS if f in fields})
        out[f"accuracy_{key}_cells"] = raw["cells"][key]
    for gen, figures in raw["by_generator"].items():
        out[f"false_bounce_rate_{gen}"] = figures["false_bounce_rate"]
        out[f"true_mismatch_recall_{gen}"] = figures["true_mismatch_recall"]
    out.update({f"true_mismatch_recall_{kind}": v for kind, v in raw["recall_by_kind"].items()})
    return out


def _pipeline(raw: dict) -> Figures:
    w = raw["worker_processes"]
    out: Figures = {
        f"pipeline_dossiers_per_min_w{w}": raw["pipeline_dossiers_per_min"],
        f"pipeline_vs_ocr_ratio_w{w}": raw["pipeline_vs_ocr_ratio"],
        f"pipeline_s_w{w}": raw["pipeline_s"],
        f"pure_ocr_s_w{w}": raw["pure_ocr_s"],
        f"pure_ocr_dossiers_per_min_w{w}": round(raw["dossiers"] / raw["pure_ocr_s"] * 60, 1),
        f"pipeline_dossiers_w{w}": raw["dossiers"],
        f"pipeline_outcomes_w{w}": " ".join(f"{k}={v}" for k, v in sorted(raw["outcomes"].items())),
    }
    out.update({f"{k}_w{w}": v for k, v in _scalars(raw["step_medians_s"], "pipeline_step_s_").items()})
    return out


def _pipeline_realistic(raw: dict) -> Figures:
    """Issue 21: dossiers as employers send them (30-50 workers over 2-4 scanned pages)."""
    w = raw["worker_processes"]
    out: Figures = {
        "pipeline_realistic_vs_ocr_ratio": raw["pipeline_vs_ocr_ratio"],
        f"pipeline_realistic_dossiers_per_min_w{w}": raw["pipeline_dossiers_per_min"],
        f"pipeline_realistic_s_w{w}": raw["pipeline_s"],
        f"pure_ocr_realistic_s_w{w}": raw["pure_ocr_s"],
        f"pure_ocr_realistic_dossiers_per_min_w{w}": round(raw["dossiers"] / raw["pure_ocr_s"] * 60, 1),
        "pipeline_realistic_dossiers": raw["dossiers"],
        "pipeline_realistic_pages": raw["pages"],
        "pipeline_realistic_workers_listed": raw["workers_listed"],
        "pipeline_realistic_outcomes": " ".join(f"{k}={v}" for k, v in sorted(raw["outcomes"].items())),
    }
    out.update(_scalars(raw.get("cpu_s_per_dossier", {}), "pipeline_realistic_cpu_s_per_dossier_"))
    out.update(_scalars(raw["step_medians_s"], "pipeline_realistic_step_s_"))
    return out


def _checks(raw: dict) -> Figures:
    return _scalars({k: v for k, v in raw.items() if k != "findings"}, "checks_")


def _passthrough(raw: dict) -> Figures:
    return _scalars(raw)


def _env_args(variable: str, default: str) -> list[str]:
    """A part's arguments, which the environment may replace (e.g. `BENCH_FUZZ_ARGS="--rounds 10" make bench`)."""
    return shlex.split(os.environ.get(variable, default))


def parts(workers: tuple[int, ...] = (1, 2)) -> list[Part]:
    """What `make bench` runs, in order: quick and cheap first, so that a broken stack shows early."""
    listed = [
        Part("imports", "imports.py", ["--runs", "7"], ["--runs", "3"], 120, _imports),
        Part(
            "slips",
            "slips.py",
            ["--rounds", "40", "--lt-rounds", "12"],
            ["--rounds", "10", "--lt-rounds", "3"],
            240,
            _slips,
        ),
        Part(
            "api",
            "api.py",
            ["--calls", "512", "--clients", "16", "--rounds", "4"],
            ["--calls", "128", "--clients", "16", "--rounds", "2"],
            300,
            _api,
        ),
        Part(
            "extraction",
            "extraction.py",
            ["--docs", "5", "--dpis", "200,300", "--repeat", "3", "--pages", "2", "--multipage", "0"],
            ["--docs", "1", "--repeat", "1", "--multipage", "0"],
            480,
            _extraction,
        ),
        Part(
            "accuracy",
            "accuracy.py",
            ["--docs", "12", "--photos", "3"],
            ["--docs", "2", "--photos", "1"],
            600,
            _accuracy,
        ),
    ]
    listed += [
        Part(
            f"pipeline_w{w}",
            "pipeline.py",
            ["--dossiers", "6", "--workers", str(w)],
            ["--dossiers", "2", "--workers", str(w)],
            360,
            _pipeline,
        )
        for w in workers
    ]
    listed.append(
        Part(
            "pipeline_realistic",
            "pipeline.py",
            ["--dossiers", "4", "--workers", "2", "--realistic"],
            ["--dossiers", "2", "--workers", "2", "--realistic"],
            600,
            _pipeline_realistic,
        )
    )
    listed += [
        Part(
            "load",
            "load.py",
            ["--seconds", "60", "--clients", "16", "--drain", "30"],
            ["--seconds", "10", "--clients", "4", "--drain", "10"],
            300,
            _passthrough,
        ),
        Part(
            "checks",
            "checks.py",
            ["--participants", "5000", "--workers", "300"],
            ["--participants", "2000", "--workers", "100"],
            240,
            _checks,
        ),
        Part("refusals", "refusals.py", ["--repeat", "3"], ["--repeat", "1"], 180, _passthrough),
        Part(
            "flood",
            "flood.py",
            ["--seconds", "40", "--drain", "120"],
            ["--seconds", "10", "--drain", "60"],
            420,
            _passthrough,
        ),
        Part(
            "persistence",
            "persistence.py",
            _env_args("BENCH_PERSISTENCE_ARGS", "--sizes 1000,10000 --calls 300"),
            _env_args("BENCH_PERSISTENCE_ARGS", "--sizes 200,1000 --calls 60 --api-dossiers 100"),
            1200,
            _passthrough,
        ),
        Part(
            "faults",
            "faults.py",
            _env_args("BENCH_FAULTS_ARGS", "--dossiers 8 --min-kills 20 --max-kills 24 --deadline 150"),
            _env_args("BENCH_FAULTS_ARGS", "--dossiers 4 --min-kills 20 --max-kills 20 --windows 1 --deadline 90"),
            330,
            _passthrough,
            optional=True,
        ),
        Part(
            "fuzz",
            "fuzz.py",
            _env_args("BENCH_FUZZ_ARGS", "--api-examples 3 --rounds 3"),
            _env_args("BENCH_FUZZ_ARGS", "--api-examples 1 --rounds 1"),
            300,
            _passthrough,
            optional=True,
        ),
    ]
    return listed


def _parse(stdout: str) -> dict:
    """The script's JSON: its whole output (the older scripts print it indented), else its last line."""
    try:
        return json.loads(stdout)
    except json.JSONDecodeError:
        lines = [line for line in stdout.splitlines() if line.strip()]
        if not lines:
            raise ValueError("no output") from None
        return json.loads(lines[-1])


def _run(part: Part, quick: bool, logs: Path) -> tuple[dict, float]:
    """Run one part in its own process group (its stack's children too) and return (JSON, seconds).

    On timeout the whole group gets Ctrl-C, then SIGKILL: a hung part must not leave an emulator or
    queue workers burning the shared cores.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MOTCUA_"))}
    command = [sys.executable, str(BENCH / part.script), *(part.quick_args if quick else part.args)]
    log = logs / f"{part.name}.log"
    started = time.perf_counter()
    with open(log, "wb") as err:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=err, start_new_session=True
        )
        try:
            stdout, _ = process.communicate(timeout=part.timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGINT)
            try:
                process.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.communicate()
            raise RuntimeError(f"timed out after {part.timeout:.0f} s (log: {log.relative_to(ROOT)})") from None
    seconds = time.perf_counter() - started
    text = stdout.decode(errors="replace")
    (logs / f"{part.name}.out").write_text(text)
    try:
        return _parse(text), seconds
    except ValueError as exc:
        tail = log.read_text(errors="replace").strip().splitlines()[-5:]
        raise RuntimeError(
            f"exit {process.returncode}, no JSON ({exc}); log {log.relative_to(ROOT)}: " + " | ".join(tail)
        ) from None


def _loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _commit() -> str:
    described = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return described.stdout.strip() or "unknown"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated part names (default: all)")
    parser.add_argument("--skip", default="", help="comma-separated part names to leave out")
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run of the whole thing")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "bench.json")
    parser.add_argument("--plot", type=Path, default=ROOT / "docs" / "bench" / "throughput.png")
    args = parser.parse_args()
    selected = [
        p for p in parts() if (not args.only or p.name in args.only.split(",")) and p.name not in args.skip.split(",")
    ]
    logs = args.out.parent / "bench-logs"
    logs.mkdir(parents=True, exist_ok=True)

    started = time.perf_counter()
    figures: Figures = {
        "started_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "commit": _commit(),
        "cpus": os.cpu_count(),
        "quick": args.quick,
        "loadavg_start": _loadavg(),
    }
    notes: list[str] = []
    failed: list[str] = []
    for i, part in enumerate(selected, 1):
        elapsed = time.perf_counter() - started
        load_before = float(_loadavg().split()[0])
        print(
            f"[{i}/{len(selected)}] {part.name} ({part.script}) at {elapsed // 60:.0f}:{elapsed % 60:02.0f}, load {_loadavg()}",
            flush=True,
        )
        if not (BENCH / part.script).exists():
            note = f"{part.name}: bench/{part.script} is not there yet, so its figures are missing from this run"
            print(f"      skipped: {note}", flush=True)
            notes.append(note)
            if not part.optional:
                failed.append(part.name)
            continue
        try:
            raw, seconds = _run(part, args.quick, logs)
            got = part.adapt(raw)
        except (RuntimeError, KeyError, ValueError, TypeError) as exc:
            detail = f"{type(exc).__name__}: {exc}"
            print(f"      FAILED: {detail}", flush=True)
            notes.append(f"{part.name} failed: {detail}")
            failed.append(part.name)
            continue
        figures.update(got)
        figures[f"part_seconds_{part.name}"] = round(seconds, 1)
        figures[f"part_loadavg_{part.name}"] = load_before
        shown = ", ".join(f"{k}={v}" for k, v in list(got.items())[:4])
        print(f"      done in {seconds:.0f} s: {shown}", flush=True)

    # the headline pipeline figures are those of the most worker processes measured
    counts = sorted(int(k.rsplit("_w", 1)[1]) for k in figures if k.startswith("pipeline_dossiers_per_min_w"))
    if counts:
        figures["pipeline_dossiers_per_min"] = figures[f"pipeline_dossiers_per_min_w{counts[-1]}"]
        figures["pipeline_vs_ocr_ratio"] = figures[f"pipeline_vs_ocr_ratio_w{counts[-1]}"]
        figures["pipeline_workers"] = counts[-1]
        if len(counts) > 1:
            figures["pipeline_scaling_ratio"] = round(
                float(figures[f"pipeline_dossiers_per_min_w{counts[-1]}"])
                / float(figures[f"pipeline_dossiers_per_min_w{counts[0]}"]),
                2,
            )
    figures["loadavg_end"] = _loadavg()
    figures["bench_seconds"] = round(time.perf_counter() - started, 1)
    figures.update(judge(figures))
    if figures["bench_seconds"] > 15 * 60:
        notes.append(
            f"the run took {figures['bench_seconds'] / 60:.1f} min, over the 15 minutes `make bench` is allowed"
        )

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, ensure_ascii=False, indent=2) + "\n")
    if not args.quick and any(k.startswith("pipeline_dossiers_per_min_w") for k in figures):
        drawn = plot_throughput(figures, args.plot)
        if drawn:
            notes.append(f"throughput plot redrawn: {drawn.relative_to(ROOT) if drawn.is_relative_to(ROOT) else drawn}")
    text = summary(figures, notes)
    args.out.with_suffix(".md").write_text(text)
    print()
    print(text)
    print(f"wrote {args.out} and {args.out.with_suffix('.md')} in {figures['bench_seconds']:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
