"""The messages that move a dossier from one step to the next: one type, one wire form.

Why a type: six places wrote the same dict by hand, and a step name or queue spelt wrong only showed
as a message no handler understood. Each step belongs to one queue; the queues adapter sends only
a `StepMessage`, and the handlers read only what `StepMessage.from_json` accepts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal, get_args

__all__ = ["QUEUE_OF", "Queue", "Step", "StepMessage"]

Step = Literal["extract", "check", "confirm", "notify"]
Queue = Literal["extract", "check", "workflow", "notify"]

QUEUE_OF: dict[str, Queue] = {"extract": "extract", "check": "check", "confirm": "workflow", "notify": "notify"}
"""The queue whose handler runs each step."""


@dataclass(frozen=True)
class StepMessage:
    dossier_id: str
    step: Step
    round: int = 1
    """The dossier's submission round (1, then 2 after a first correction, ...): a message of an earlier
    round finds its work superseded."""

    def __post_init__(self) -> None:
        if self.step not in get_args(Step):
            raise ValueError(f"unknown step {self.step!r}")
        if not self.dossier_id or not isinstance(self.round, int) or self.round < 1:
            raise ValueError("a step message needs a dossier id and a round >= 1")

    @property
    def queue(self) -> Queue:
        return QUEUE_OF[self.step]

    def to_json(self) -> str:
        body: dict[str, Any] = {"dossier_id": self.dossier_id, "step": self.step, "round": self.round}
        return json.dumps(body, separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_json(cls, body: str) -> StepMessage:
        """Read a queue message; a malformed one raises `ValueError` naming what was expected."""
        try:
            data: Any = json.loads(body)
            return cls(dossier_id=str(data["dossier_id"]), step=data["step"], round=int(data.get("round", 1)))
        except (ValueError, KeyError, TypeError) as error:
            raise ValueError(f"expected a JSON object with dossier_id and step, got {body[:80]!r}") from error
