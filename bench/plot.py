"""The throughput plot: dossiers per minute (submit → forwarded) against queue-worker processes.

    .venv/bin/python bench/plot.py [build/bench.json] [docs/bench/throughput.png]

Reads the `pipeline_dossiers_per_min_w<N>` and `pure_ocr_dossiers_per_min_w<N>` figures that
`bench/run.py` writes and draws both: the pipeline, and the ceiling that bare OCR of the same pages,
one single-threaded tesseract per core, allows (measured beside each pipeline run), so that the gap
between the lines is the cost of everything around OCR. Uses the Agg backend: no display needed.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

__all__ = ["plot_throughput"]


def plot_throughput(figures: dict[str, object], out: Path) -> Path | None:
    """Draw the plot into `out` (PNG); None when the run has no pipeline figures."""
    pipeline = {
        int(m[1]): float(v) for k, v in figures.items() if (m := re.fullmatch(r"pipeline_dossiers_per_min_w(\d+)", k))
    }
    if not pipeline:
        return None
    ocr = {
        int(m[1]): float(v) for k, v in figures.items() if (m := re.fullmatch(r"pure_ocr_dossiers_per_min_w(\d+)", k))
    }
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    workers = sorted(pipeline)
    fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
    ax.plot(workers, [pipeline[w] for w in workers], marker="o", label="pipeline, submit → forwarded")
    for w in workers:
        ax.annotate(f"{pipeline[w]:.1f}", (w, pipeline[w]), textcoords="offset points", xytext=(6, -12))
    if ocr:
        ws = sorted(ocr)
        ax.plot(ws, [ocr[w] for w in ws], marker="s", linestyle="--", label="bare tesseract, same pages, one per core")
        for w in ws:
            ax.annotate(f"{ocr[w]:.1f}", (w, ocr[w]), textcoords="offset points", xytext=(6, 4))
    ax.set_xticks(workers)
    ax.set_xlabel("queue-worker processes (MOTCUA_WORKERS)")
    ax.set_ylabel("one-page dossiers per minute")
    ax.set_ylim(0, max([*pipeline.values(), *ocr.values()]) * 1.15)
    loads = ", ".join(
        f"{figures[f'part_loadavg_pipeline_w{w}']:g}" for w in workers if f"part_loadavg_pipeline_w{w}" in figures
    )
    ax.set_title(
        f"Throughput on {figures.get('cpus', '?')} shared cores (1-min load average at each run: {loads or '?'})",
        fontsize=9,
    )
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, metadata={"Software": None})
    plt.close(fig)
    return out


def main() -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("figures", nargs="?", type=Path, default=ROOT / "build" / "bench.json")
    parser.add_argument("png", nargs="?", type=Path, default=ROOT / "docs" / "bench" / "throughput.png")
    args = parser.parse_args()
    drawn = plot_throughput(json.loads(args.figures.read_text()), args.png)
    print(drawn or f"no pipeline figures in {args.figures}")
    return 0 if drawn else 1


if __name__ == "__main__":
    sys.exit(main())
