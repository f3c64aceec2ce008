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


def _series(figures: dict[str, object], pattern: str) -> dict[int, float]:
    return {int(m[1]): float(v) for k, v in figures.items() if (m := re.fullmatch(pattern, k))}  # type: ignore[arg-type]


def plot_throughput(figures: dict[str, object], out: Path) -> Path | None:
    """Draw the plot into `out` (PNG): one-row dossiers on the left, realistic ones (30-50 workers over
    2-4 scanned pages) on the right when the run has them; None when it has no pipeline figures."""
    panels = []
    for kind, label in (("", "one-row dossiers"), ("realistic_", "realistic dossiers (30–50 workers, 2–4 pages)")):
        pipeline = _series(figures, rf"pipeline_{kind}dossiers_per_min_w(\d+)")
        if pipeline:
            panels.append((kind, label, pipeline, _series(figures, rf"pure_ocr_{kind}dossiers_per_min_w(\d+)")))
    if not panels:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(panels), figsize=(6 * len(panels), 4), dpi=100, squeeze=False)
    for ax, (kind, label, pipeline, ocr) in zip(axes[0], panels, strict=True):
        workers = sorted(pipeline)
        ax.plot(workers, [pipeline[w] for w in workers], marker="o", label="pipeline, submit → forwarded")
        for w in workers:
            ax.annotate(f"{pipeline[w]:.1f}", (w, pipeline[w]), textcoords="offset points", xytext=(6, -12))
        if ocr:
            ws = sorted(ocr)
            ax.plot(
                ws, [ocr[w] for w in ws], marker="s", linestyle="--", label="bare tesseract, same pages, one per core"
            )
            for w in ws:
                ax.annotate(f"{ocr[w]:.1f}", (w, ocr[w]), textcoords="offset points", xytext=(6, 4))
        ax.set_xticks(sorted({*workers, *ocr}))
        ax.set_xlim(0.5, max([*workers, *ocr, 2]) + 0.5)
        ax.set_xlabel("queue-worker processes (MOTCUA_WORKERS)")
        ax.set_ylabel(f"{label}: per minute", fontsize=8)
        ax.set_ylim(0, max([*pipeline.values(), *ocr.values()]) * 1.15)
        part = "pipeline_realistic" if kind else "pipeline_w{w}"
        loads = ", ".join(
            f"{figures[key]:g}"
            for w in workers
            if (key := f"part_loadavg_{part.format(w=w)}") in figures and isinstance(figures[key], (int, float))
        )
        ax.set_title(f"{label} on {figures.get('cpus', '?')} shared cores (1-min load: {loads or '?'})", fontsize=9)
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
