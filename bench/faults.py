"""The long fault run: a batch of dossiers through a stack that is being hurt all along.

Workers killed with SIGKILL at random moments (20 or more times), the emulator refusing every
DynamoDB, S3 and SQS write in windows of a few seconds while the batch flows, every step message
delivered twice, two dossiers contesting one worker's months. Then the audit: every dossier in a
final state, one receipt and one confirmation each, each worker-month claimed once. The scenario
and the audit are `tests/fuzz/faultrun.py`, which the short run in `make test` uses too.

Run: `.venv/bin/python bench/faults.py [--dossiers 12] [--min-kills 24] [--windows 2]`. The details
go to stderr; the last line of stdout is one JSON object:
`{"fault_dossiers", "fault_kills", "fault_lost", "fault_duplicates", "fault_seconds", ...}` (goals: 0
lost, 0 duplicates), plus how many writes were refused, duplicate messages sent and dead letters
replayed. A message whose worker is killed under it 5 times (the queues' maxReceiveCount) goes to
its DLQ, as designed; once the kills are over the run replays it as an operator would
(`motcua dlq replay`), and a dossier that still does not reach its end counts as lost.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.fuzz.faultrun import run_faults  # noqa: E402
from tests.fuzz.stack import running_stack  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dossiers", type=int, default=12)
    parser.add_argument("--min-kills", type=int, default=24)
    parser.add_argument("--max-kills", type=int, default=40)
    parser.add_argument("--refuse-seconds", type=float, default=5.0)
    parser.add_argument("--windows", type=int, default=2, help="write-refusal windows while the batch flows")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--deadline", type=float, default=170, help="seconds the batch may take to settle")
    args = parser.parse_args(argv)
    started = time.monotonic()
    with running_stack(workers=args.workers, visibility=6) as stack:
        print(f"stack ready in {time.monotonic() - started:.1f} s ({stack.state_dir})", file=sys.stderr, flush=True)
        run = run_faults(
            stack,
            dossiers=args.dossiers,
            min_kills=args.min_kills,
            max_kills=args.max_kills,
            refuse_seconds=args.refuse_seconds,
            refusal_windows=args.windows,
            seed=args.seed,
            deadline_seconds=args.deadline,
        )
    print(run.summary(), file=sys.stderr, flush=True)
    print(
        json.dumps(
            {
                "fault_dossiers": run.dossiers,
                "fault_kills": run.kills,
                "fault_lost": run.lost,
                "fault_duplicates": run.duplicates,
                "fault_seconds": run.seconds,
                "fault_refused_writes": sum(run.refused_writes.values()),
                "fault_duplicate_messages": sum(run.duplicated.values()),
                "fault_dead_letters_replayed": run.replayed,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
