"""Story mode: the guide's session plan as a sequence of stops, with a caption at each.

A facilitator presses **Next** and the run plays on by itself until the next moment
worth discussing, where it pauses with a caption: the first improved microsystem, the
withdrawal, and 52 weeks after it (the end of the default run). Before the first Next
the room records its prediction (how many will still practise a year after withdrawal;
in compare mode, which lane will be ahead); the last stop reveals it beside the model's
answer. Everything here is plain Python over :class:`~medlead.workshop.run.WorkshopRun`,
so ``tests/test_workshop_story.py`` walks a story to its end without a browser.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from medlead.model import REPORTERS
from medlead.workshop.adapter import PRESET_LABELS
from medlead.workshop.picture import status_text
from medlead.workshop.run import WorkshopRun, percent

#: The stops in the order they usually come (a run may skip one: no microsystem improves,
#: or there is no intervention to withdraw).
STOPS: tuple[str, ...] = ("start", "improved", "withdrawal", "after", "end")

#: The room's prediction, one run: a year after withdrawal, the share still practising.
PREDICTIONS: dict[str, str] = {
    "low": "fewer than 1 in 5",
    "middle": "between 1 in 5 and a half",
    "high": "more than half",
}


def prediction_choices(run: WorkshopRun) -> dict[str, str]:
    """The choices the room picks from: shares for one run; in compare mode, a lane."""
    if len(run.lanes) == 1:
        return PREDICTIONS
    a, b = run.lanes
    return {"0": a.short, "1": b.short, "even": "about the same"}


def _withdrawal(run: WorkshopRun) -> int | None:
    """The week the intervention stops (by hand or as planned); None without one."""
    if run.withdrawn_at is not None:
        return run.withdrawn_at
    if all(ln.strategy == "none" for ln in run.lanes):
        return None
    return run.params.withdrawal_week


def _after(run: WorkshopRun) -> int:
    """The last stop's week: 52 weeks after withdrawal, or the horizon."""
    w = _withdrawal(run)
    return run.params.weeks if w is None else min(run.params.weeks, w + 52)


def _improved_lane(run: WorkshopRun) -> int | None:
    """The first lane with an improved microsystem this week, if any."""
    col = REPORTERS.index("microsystems_improved_share")
    return next((i for i, ln in enumerate(run.lanes) if ln.model.history[-1, col] > 0), None)


@dataclass(eq=False)
class Story:
    """Where a story stands: the stop reached and the stops already passed.

    Compared by identity (``eq=False``), so that a copy set on the page's reactive value
    counts as a change and the caption is redrawn.
    """

    stop: str = "start"
    passed: set[str] = field(default_factory=set)

    def reached(self, run: WorkshopRun) -> str | None:
        """The stop the run has just reached (checked after every week), else None."""
        w = _withdrawal(run)
        if "improved" not in self.passed and _improved_lane(run) is not None:
            return "improved"
        if w is not None and "withdrawal" not in self.passed and run.week >= w:
            return "withdrawal"
        if run.week >= _after(run):
            return "after" if w is not None else "end"
        return None

    def arrive(self, stop: str) -> None:
        """Record that the run paused at ``stop``."""
        self.stop = stop
        self.passed.add(stop)

    @property
    def finished(self) -> bool:
        """Whether the story has told its last stop."""
        return self.stop in ("after", "end")

    def advance(self, run: WorkshopRun) -> str:
        """Step ``run`` week by week to the next stop (what Next does, without the
        pauses the page makes between weeks); returns the stop reached.
        """
        while not run.at_end:
            run.step()
            found = self.reached(run)
            if found:
                self.arrive(found)
                return found
        self.arrive("after" if _withdrawal(run) is not None else "end")
        return self.stop


def caption(run: WorkshopRun, story: Story) -> str:
    """What the facilitator reads out at the stop ``story.stop``."""
    compare = len(run.lanes) > 1
    practising = _practising(run)
    if story.stop == "start":
        question = (
            f"Which will leave more clinical staff practising a year after withdrawal: "
            f"{run.lanes[0].short} or {run.lanes[1].short}?"
            if compare
            else "A year after the programme is withdrawn, how many clinical staff will "
            "still practise?"
        )
        return (
            f"Week 0: {_who(run)}. Each mark is one person; grey discs are wards, clinics "
            f"and teams; frames are directorates. Before we start, the room predicts: "
            f"{question}"
        )
    if story.stop == "improved":
        lane = _improved_lane(run)
        where = f" under {run.lanes[lane or 0].short}" if compare and not run.by_hospital else ""
        if compare and run.by_hospital:
            where = f" in {run.lanes[lane or 0].name}"
        return (
            f"Week {run.week}: the first ward, clinic or team has improved{where} (a gold "
            f"disc). Practising: {practising}. Who practises there, and why: commitment "
            "(a light fill) or compliance (a vermillion ring)?"
        )
    if story.stop == "withdrawal":
        status = status_text(run.model, champions=not compare)
        return (
            f"Week {run.week}: the programme is withdrawn. Management pressure and paid "
            f"leadership time stop. {status}. Practising now: {practising}. What will last?"
        )
    return f"Week {run.week}: {_result(run)} {reveal(run)}"


def _who(run: WorkshopRun) -> str:
    """The hospital(s) and strategy(-ies) of the story, in words."""
    a = run.lanes[0]
    if len(run.lanes) == 1:
        return f"{PRESET_LABELS[a.preset]} under {a.sentence}"
    b = run.lanes[1]
    if run.by_hospital:
        return f"{a.name} and {b.name}, both under {a.params.strategy}"
    return f"{PRESET_LABELS[a.preset]} under {a.sentence} and under {b.sentence}"


def _practising(run: WorkshopRun) -> str:
    """The practising share now, per lane in compare mode ("persuasion 10%, ...")."""
    col = REPORTERS.index("practising_share")
    shares = [percent(float(ln.model.history[-1, col])) for ln in run.lanes]
    if len(run.lanes) == 1:
        return f"{shares[0]} of clinical staff"
    return ", ".join(f"{ln.short} {v}" for ln, v in zip(run.lanes, shares, strict=True))


def _result(run: WorkshopRun) -> str:
    if len(run.lanes) > 1:
        return run.verdict()
    w = _withdrawal(run)
    share = percent(run.headline(0)["practising_share"])
    if w is None:
        return f"with no intervention, {share} of clinical staff practise."
    col = REPORTERS.index("practising_share")
    then = percent(float(run.model.history[w, col]))
    return (
        f"{run.week - w} weeks after withdrawal, {share} of clinical staff still practise "
        f"({then} at withdrawal)."
    )


def outcome(run: WorkshopRun) -> str:
    """The prediction choice the model's result falls in (the key of
    :func:`prediction_choices`), read now.
    """
    if len(run.lanes) > 1:
        col = REPORTERS.index("practising_share")
        a, b = (float(ln.model.history[-1, col]) for ln in run.lanes)
        return "even" if abs(a - b) < 0.005 else ("0" if a > b else "1")
    share = run.headline(0)["practising_share"]
    return "low" if share < 0.2 else "middle" if share <= 0.5 else "high"


def reveal(run: WorkshopRun) -> str:
    """The room's prediction beside the model's answer."""
    choices = prediction_choices(run)
    if run.prediction is None:
        return "(The room recorded no prediction.)"
    said = choices.get(run.prediction, run.prediction)
    right = run.prediction == outcome(run)
    return f"The room predicted: {said}. " + (
        "The model agrees." if right else f"The model says: {choices[outcome(run)]}."
    )


__all__ = [
    "PREDICTIONS",
    "STOPS",
    "Story",
    "caption",
    "outcome",
    "prediction_choices",
    "reveal",
]
