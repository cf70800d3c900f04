"""The workshop's run controller: models, pictures and the room's choices, without any UI.

:class:`WorkshopRun` is what the Solara page drives (and what the tests drive without a
browser): it applies :class:`~medlead.workshop.adapter.Controls` on reset, steps one or
two models together (compare mode: the same seed, so the same hospital and, as far as
the mechanisms allow, the same draws), withdraws the intervention on request, renders
the pictures and writes a session code from which :func:`replay` rebuilds the run.

Compare mode sets a second strategy on the same hospital, or a second hospital (a
preset, under the same strategy and seed): the names of strategies and presets do not
overlap, so ``compare`` holds either. :func:`hold_on_seeds` asks whether the contrast
holds on other seeds, through the batched engine (:func:`medlead.model.batch.
run_replications`).
"""

from __future__ import annotations

import hashlib
import io
import math
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from medlead.model import REPORTERS, HospitalModel, Params
from medlead.workshop.adapter import (
    PRESET_LABELS,
    STRATEGY_LABELS,
    WORKSHOP_PRESETS,
    Controls,
    slider_specs,
    try_params,
)
from medlead.workshop.picture import (
    PRACTISING_ONLY,
    PROJECTOR,
    CurvesPicture,
    HospitalPicture,
    SmallCurvesPicture,
    legend_png,
    side_by_side_png,
)

#: Slide exports render at this many pixels per screen pixel (2,560 px per hospital).
EXPORT_SCALE = 2.0


@dataclass
class Lane:
    """One model of the run (two in compare mode) with its pictures.

    ``name`` is the lane's title (a strategy, or a hospital when hospitals are
    compared), ``short`` its word on curves and ``sentence`` its name inside a sentence
    ("... than the mandate").
    """

    strategy: str
    params: Params
    model: HospitalModel
    picture: HospitalPicture
    preset: str = "professional"
    name: str = ""
    short: str = ""
    sentence: str = ""


@dataclass
class WorkshopRun:
    """Everything the room has chosen and the model(s) it produced.

    Args:
        controls: preset, strategy, slider changes and seed (applied now).
        compare: a second strategy to run side by side on the same seed, or a second
            hospital (a preset in :data:`WORKSHOP_PRESETS`, its own levers, the first
            lane's strategy and seed; slider changes apply to the first lane only), or
            ``None``.
        all_measures: compare mode's curves show every measure, not only practising.
    """

    controls: Controls = field(default_factory=Controls)
    compare: str | None = None
    all_measures: bool = False
    #: The room's prediction in story mode (a key of ``story.prediction_choices``).
    prediction: str | None = field(default=None, init=False)
    lanes: list[Lane] = field(default_factory=list, init=False)
    curves: CurvesPicture | None = field(default=None, init=False)
    withdrawn_at: int | None = field(default=None, init=False)
    problems: list[str] = field(default_factory=list, init=False)
    last_step_ms: float = field(default=0.0, init=False)
    last_redraw_ms: float = field(default=0.0, init=False)
    _projector: tuple[list[HospitalPicture | None], SmallCurvesPicture] | None = field(
        default=None, init=False, repr=False
    )

    def __post_init__(self) -> None:
        problems = self.reset(self.controls, self.compare)
        if problems:
            raise ValueError("; ".join(problems))

    # ------------------------------------------------------------------ choices
    def reset(self, controls: Controls, compare: str | None = None) -> list[str]:
        """Apply ``controls`` (and the compare strategy) and restart at week 0.

        Returns the problems in plain words; on problems the current run is kept.
        """
        params, problems = try_params(controls)
        if params is None:
            self.problems = problems
            return problems
        if compare in (params.strategy, controls.preset):
            compare = None
        by_hospital = compare in WORKSHOP_PRESETS
        setups = [(controls.preset, params)]
        if by_hospital:
            setups.append((compare, Params.preset(compare).replace(strategy=params.strategy)))
        elif compare is not None:
            setups.append((controls.preset, params.replace(strategy=compare)))
        lanes = []
        for preset, p in setups:
            model = HospitalModel(p, rng=controls.seed)
            if by_hospital:
                words = (PRESET_LABELS[preset],) * 2 + (PRESET_LABELS[preset],)
            else:
                words = (STRATEGY_LABELS[p.strategy], short_label(p.strategy))
                words += (VERDICT_NAMES[p.strategy],)
            picture = HospitalPicture(model, words[0], legend=len(setups) == 1)
            lanes.append(Lane(p.strategy, p, model, picture, preset, *words))
        self.controls = controls
        self.compare = compare
        self.lanes = lanes
        self.withdrawn_at = None
        self.problems = []
        self.prediction = None  # a new run: the room predicts again
        self._new_pictures()
        return []

    def _new_pictures(self) -> None:
        """Fresh curves (and no projector pictures yet) for the current lanes."""
        compare = len(self.lanes) > 1
        self.curves = CurvesPicture(
            self.params.weeks,
            n_runs=len(self.lanes),
            labels=tuple(ln.short for ln in self.lanes) if compare else ("",),
            measures=None if self.all_measures or not compare else PRACTISING_ONLY,
        )
        self._projector = None

    def show_all_measures(self, on: bool) -> None:
        """Compare mode's curves: every measure (``on``) or only practising (default)."""
        if on != self.all_measures:
            self.all_measures = on
            self._new_pictures()

    @property
    def by_hospital(self) -> bool:
        """Whether compare mode compares two hospitals (presets) rather than strategies."""
        return self.compare in WORKSHOP_PRESETS

    @property
    def model(self) -> HospitalModel:
        """The main model (the first lane)."""
        return self.lanes[0].model

    @property
    def params(self) -> Params:
        """The main model's parameters."""
        return self.lanes[0].params

    @property
    def week(self) -> int:
        """Weeks simulated so far."""
        return self.model.week

    @property
    def at_end(self) -> bool:
        """Whether the horizon is reached."""
        return self.week >= self.params.weeks

    @property
    def can_withdraw(self) -> bool:
        """Whether any lane's intervention is running (so withdrawing means something)."""
        return any(ln.model.intervention_active for ln in self.lanes)

    def step(self, weeks: int = 1) -> None:
        """Advance every lane by ``weeks`` (not past the horizon)."""
        for _ in range(weeks):
            if self.at_end:
                return
            for ln in self.lanes:
                ln.model.step()

    def withdraw(self) -> bool:
        """Withdraw the intervention now in every lane; ``False`` if nothing was running."""
        if not self.can_withdraw:
            return False
        for ln in self.lanes:
            ln.model.withdraw()
        self.withdrawn_at = self.week
        return True

    # ------------------------------------------------------------------ outputs
    def hospital_pngs(self) -> list[bytes]:
        """The hospital picture of each lane, as PNG bytes."""
        return [ln.picture.png() for ln in self.lanes]

    def curves_png(self) -> bytes:
        """The curves of every lane on shared axes, as PNG bytes."""
        assert self.curves is not None
        self.curves.update(
            [ln.model.history for ln in self.lanes],
            [ln.params.withdrawal_week for ln in self.lanes],
            start=self.params.intervention_start,
        )
        return self.curves.png()

    def projector_pngs(self, lane: int = 0, compact: bool = False) -> tuple[bytes, bytes]:
        """Projector mode's pictures: the hospital of ``lane`` with its legend, and the
        small curves (the four measures of one lane; in compare mode the practising
        share of both), both drawn at the size they are shown (text >= 18 px). Only
        the lane shown is drawn (compare mode toggles between them). ``compact`` (and
        compare mode) makes the curves shorter, leaving room beside the picture for the
        verdict or the story's caption.
        """
        compare = len(self.lanes) > 1
        height = 260 if compact or compare else 380
        if self._projector is None or self._projector[1].height_px != height:
            names = tuple(ln.short for ln in self.lanes) if compare else ()
            self._projector = (
                [None] * len(self.lanes),
                SmallCurvesPicture(self.params.weeks, height_px=height, lanes=names),
            )
        hospitals, curves = self._projector
        if hospitals[lane] is None:
            hospitals[lane] = HospitalPicture(self.lanes[lane].model, look=PROJECTOR)
        ln = self.lanes[0]
        curves.update(
            [x.model.history for x in self.lanes],
            ln.params.withdrawal_week,
            ln.params.intervention_start,
        )
        return hospitals[lane].png(), curves.png()

    def compare_png(self, scale: float = EXPORT_SCALE) -> bytes:
        """The slide: every lane's hospital side by side (each titled with its lane),
        the legend under them and the verdict on top, at ``scale`` times the screen's
        pixels. Outside compare mode, the one hospital with its own legend.
        """
        if len(self.lanes) == 1:
            return self.lanes[0].picture.export_png(scale)
        return side_by_side_png(
            [ln.picture.export_png(scale) for ln in self.lanes],
            legend_png(self.params.committed_cutoff, scale),
            self.verdict(),
            scale,
        )

    def headline(self, lane: int = 0) -> dict[str, float]:
        """Headline numbers of one lane at the current week."""
        h = self.lanes[lane].model.history[-1]
        col = {k: i for i, k in enumerate(REPORTERS)}
        return {
            k: float(h[col[k]])
            for k in (
                "committed_share",
                "compliant_share",
                "practising_share",
                "faithful_practising_share",
                "microsystems_improved_share",
                "engagement_gap",
                "champions",
                "engagements",
            )
        }

    def timeseries(self) -> pd.DataFrame:
        """Every lane's weekly reporters in one tidy table (a ``strategy`` column first)."""
        frames = []
        for ln in self.lanes:
            df = ln.model.timeseries()
            df.insert(0, "strategy", ln.strategy)
            frames.append(df)
        return pd.concat(frames, ignore_index=True)

    def csv_bytes(self) -> bytes:
        """:meth:`timeseries` as CSV, with the session code in a comment line on top."""
        buf = io.StringIO()
        buf.write(f"# medlead workshop run; session code {self.session_code()}\n")
        self.timeseries().to_csv(buf, index=False)
        return buf.getvalue().encode()

    def fingerprint(self) -> str:
        """A short hash of every lane's weekly history: equal fingerprints, equal curves."""
        h = hashlib.sha256()
        for ln in self.lanes:
            h.update(ln.strategy.encode())
            h.update(np.ascontiguousarray(ln.model.history).tobytes())
        return h.hexdigest()[:10]

    def comparison_text(self) -> str:
        """The difference between the lanes in words (compare mode), else one lane's story.

        Where practice weighted by its fidelity is at least a percentage point lower (some
        of it is a tick-box), the sentence adds it: "..., 16% faithfully".
        """
        parts = []
        after = _after_withdrawal_week(self)
        pcol = REPORTERS.index("practising_share")
        fcol = REPORTERS.index("faithful_practising_share")
        for ln in self.lanes:
            h = ln.model.history
            row = after if after is not None and h.shape[0] > after else h.shape[0] - 1
            pr, fa = h[row, pcol], h[row, fcol]
            shown = pr - fa >= 0.01 and f"{fa:.0%}" != f"{pr:.0%}"
            faithful = f", {fa:.0%} faithfully" if shown else ""
            if after is not None and h.shape[0] > after:
                parts.append(
                    f"{ln.short}: {pr:.0%} still practising "
                    f"{after - (self.withdrawn_at or ln.params.withdrawal_week)} weeks after "
                    f"withdrawal{faithful}"
                )
            else:
                parts.append(f"{ln.short}: {pr:.0%} practising at week {self.week}{faithful}")
        return "; ".join(parts) + "."

    def verdict(self) -> str:
        """Compare mode's contrast in one plain sentence ("" outside compare mode).

        E.g. "A year after withdrawal, persuasion leaves 21 points more clinical staff
        practising than the mandate (38% against 17%)", read at the same week as
        :meth:`comparison_text`.
        """
        if len(self.lanes) < 2:
            return ""
        after = _after_withdrawal_week(self)
        pcol = REPORTERS.index("practising_share")
        row = after if after is not None else self.week
        shares = [float(ln.model.history[row, pcol]) for ln in self.lanes]
        names = [ln.sentence for ln in self.lanes]
        if after is None:
            when, verb = f"At week {self.week}", "has"
        else:
            since = after - (self.withdrawn_at or self.params.withdrawal_week)
            when = "A year after withdrawal" if since == 52 else f"{since} weeks after withdrawal"
            verb = "leaves"
        points = round(100 * (shares[0] - shares[1]))
        if points == 0:
            return (
                f"{when}, {names[0]} and {names[1]} {'leave' if after is not None else 'have'} "
                f"about as many clinical staff practising ({percent(shares[0])} and "
                f"{percent(shares[1])})."
            )
        ahead, behind = (0, 1) if points > 0 else (1, 0)
        n = abs(points)
        return (
            f"{when}, {names[ahead]} {verb} {n} point{'s' if n != 1 else ''} more clinical "
            f"staff practising than {names[behind]} ({percent(shares[ahead])} against "
            f"{percent(shares[behind])})."
        )

    def seeds_question(self, n: int = 10) -> Seeds | None:
        """Does the contrast hold on other seeds? Compare mode's lanes rerun on seeds
        1..``n`` (each lane's parameters, withdrawal as planned), counted at the week the
        verdict reads by default: a year after the planned withdrawal. ``None`` outside
        compare mode. Runs in about a second (stacked); the app calls it in the
        background and caches it per pair of parameter sets.
        """
        if len(self.lanes) < 2:
            return None
        a, b = (ln.params for ln in self.lanes)
        ahead, behind = hold_on_seeds(a, b, n)
        return Seeds(n, ahead, behind, self.lanes[0].sentence, self.lanes[1].sentence)

    # ------------------------------------------------------------------ session code
    def session_code(self) -> str:
        """A short code from which :func:`replay` rebuilds this run exactly.

        Form: ``<preset><strategy>[<compare>]-<seed>-<week>[-w<withdrawn>][-<slider>:<value>]``,
        e.g. ``0pm-3-130-w60-10:0.3`` (typical Trust, persuasion vs mandate, seed 3, week
        130, withdrawn by hand at week 60, slider 10 (stigma) at 0.3). A compared
        hospital is its preset's number: ``3p1-1-156`` is *Leaders set up to fail* vs
        *Kaiser Permanente-like*, both under persuasion. Presets and sliders are
        numbered in the order the app shows them.
        """
        c = self.controls
        head = f"{WORKSHOP_PRESETS.index(c.preset)}{STRATEGY_CODES[self.params.strategy]}"
        if self.by_hospital:
            head += str(WORKSHOP_PRESETS.index(self.compare))
        elif self.compare:
            head += STRATEGY_CODES[self.compare]
        parts = [head, str(c.seed), str(self.week)]
        if self.withdrawn_at is not None:
            parts.append(f"w{self.withdrawn_at}")
        names = [s.name for s in slider_specs()]
        for name, value in c.sliders:
            parts.append(f"{names.index(name)}:{_short_float(value)}")
        return "-".join(parts)


@dataclass(frozen=True)
class Seeds:
    """How often the first lane came out ahead on seeds 1..``n`` (:meth:`WorkshopRun.
    seeds_question`); ``ahead`` + ``behind`` <= ``n``, the rest within half a point.
    """

    n: int
    ahead: int
    behind: int
    first: str
    second: str

    def sentence(self) -> str:
        """E.g. "On other seeds: persuasion ahead in 9 of 10 hospitals, the mandate in 1"."""
        even = self.n - self.ahead - self.behind
        lead, lead_n, other, other_n = (
            (self.first, self.ahead, self.second, self.behind)
            if self.ahead >= self.behind
            else (self.second, self.behind, self.first, self.ahead)
        )
        text = f"Does it hold on other seeds? {lead[0].upper() + lead[1:]} ahead in {lead_n} of "
        text += f"{self.n} hospitals (seeds 1–{self.n}, a year after withdrawal)"
        if other_n:
            text += f", {other} in {other_n}"
        if even:
            text += f", about equal in {even}"
        return text + "."


@lru_cache(maxsize=64)
def hold_on_seeds(first: Params, second: Params, n: int = 10) -> tuple[int, int]:
    """``(first ahead, second ahead)``: on how many of seeds 1..``n`` each parameter set
    leaves more clinical staff practising a year after the planned withdrawal (by at
    least half a percentage point, so that a rounded tie is not a win).

    Both sets run through the batched engine, one stack of ``n`` each; seed ``s`` is the
    same run as ``HospitalModel(params, rng=s)``, so the room's own seed agrees with
    what the page shows.
    """
    from medlead.model.batch import run_replications

    seeds = [np.random.SeedSequence(s) for s in range(1, n + 1)]
    col = REPORTERS.index("practising_share")
    shares = []
    for p in (first, second):
        row = min(p.weeks, p.withdrawal_week + 52)
        shares.append(np.array([r.history[row, col] for r in run_replications(p, seeds)]))
    diff = shares[0] - shares[1]
    return int((diff >= 0.005).sum()), int((diff <= -0.005).sum())


#: Strategy names inside a sentence ("... than the mandate").
VERDICT_NAMES: dict[str, str] = {
    "none": "no intervention",
    "mandate": "the mandate",
    "persuasion": "persuasion",
    "hybrid": "the hybrid",
}

STRATEGY_CODES: dict[str, str] = {"none": "n", "mandate": "m", "persuasion": "p", "hybrid": "h"}
_CODE_STRATEGY = {v: k for k, v in STRATEGY_CODES.items()}


def short_label(strategy: str) -> str:
    """One word per strategy, for curve labels and sentences."""
    return {"none": "no intervention"}.get(strategy, strategy)


def _short_float(v: float) -> float | int:
    return int(v) if float(v).is_integer() else float(v)


def _after_withdrawal_week(run: WorkshopRun) -> int | None:
    """The week to read 'still practising after withdrawal': a year after, or now."""
    w = run.withdrawn_at if run.withdrawn_at is not None else run.params.withdrawal_week
    if run.params.strategy == "none" and run.compare in (None, "none"):
        return None
    if run.week <= w:
        return None
    return min(run.week, w + 52)


def decode_session(code: str) -> tuple[Controls, str | None, int, int | None]:
    """``(controls, compare, week, withdrawn_at)`` from a session code.

    Raises:
        ValueError: a short message saying what is wrong with the code.
    """
    parts = code.strip().split("-")
    bad = ValueError(f"{code.strip()!r} is not a session code (it looks like 0pm-3-130-w60)")
    if len(parts) < 3 or len(parts[0]) not in (2, 3) or not parts[0][0].isdigit():
        raise bad
    try:
        preset = WORKSHOP_PRESETS[int(parts[0][0])]
        strategies = [
            WORKSHOP_PRESETS[int(ch)] if ch.isdigit() else _CODE_STRATEGY[ch] for ch in parts[0][1:]
        ]
        if strategies[0] in WORKSHOP_PRESETS:
            raise bad
        seed, week = int(parts[1]), int(parts[2])
        withdrawn_at = None
        names = [s.name for s in slider_specs()]
        sliders = {}
        for part in parts[3:]:
            if part.startswith("w"):
                withdrawn_at = int(part[1:])
            else:
                idx, value = part.split(":")
                sliders[names[int(idx)]] = float(value)
    except (IndexError, KeyError, ValueError):
        raise bad from None
    controls = Controls(preset, strategies[0], tuple(sorted(sliders.items())), seed)
    compare = strategies[1] if len(strategies) > 1 else None
    return controls, compare, week, withdrawn_at


def replay(code: str) -> WorkshopRun:
    """Rebuild a run from its session code: same choices, same seed, same weeks, same curves.

    Raises:
        ValueError: a damaged code, or choices that are no longer valid.
    """
    controls, compare, week, withdrawn_at = decode_session(code)
    run = WorkshopRun(controls, compare)
    if withdrawn_at is not None:
        run.step(withdrawn_at - run.week)
        run.withdraw()
    run.step(week - run.week)
    return run


def same_curves(a: WorkshopRun, b: WorkshopRun) -> bool:
    """Whether two runs have identical weekly histories in every lane (NaN equal to NaN)."""
    if len(a.lanes) != len(b.lanes):
        return False
    return all(
        x.model.history.shape == y.model.history.shape
        and np.array_equal(x.model.history, y.model.history, equal_nan=True)
        for x, y in zip(a.lanes, b.lanes, strict=True)
    )


def percent(x: float) -> str:
    """A share as a whole percentage (an em dash when undefined)."""
    return "—" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.0%}"


__all__ = [
    "Lane",
    "Seeds",
    "WorkshopRun",
    "hold_on_seeds",
    "decode_session",
    "percent",
    "replay",
    "same_curves",
    "short_label",
]
