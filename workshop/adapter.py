"""Map the workshop's controls (preset, strategy, sliders, seed) to :class:`Params`.

Everything here is plain Python, testable without a browser. The sliders are generated
from the ``key`` fields of :class:`medlead.model.Params`: their range comes from the
field's allowed bounds (narrowed to the plausible range where the bounds are so wide that
a slider would be useless), their help text from the field's doc. Any impossible
combination comes back as a short message (``ParamError.problems``), never an exception
on screen.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from medlead.model import PRESET_DESCRIPTIONS, STRATEGIES, ParamError, Params
from medlead.model.labels import display, unit

#: Presets offered in the room, in the order shown (``large`` is too big to draw).
WORKSHOP_PRESETS: tuple[str, ...] = ("professional", "kp_like", "machine", "set_up_to_fail")

#: Short labels for buttons and dropdowns.
PRESET_LABELS: dict[str, str] = {
    "professional": "Typical NHS Trust",
    "kp_like": "Kaiser Permanente-like",
    "machine": "Machine bureaucracy",
    "set_up_to_fail": "Leaders set up to fail",
}

STRATEGY_LABELS: dict[str, str] = {
    "none": "No intervention",
    "mandate": "Mandate",
    "persuasion": "Persuasion",
    "hybrid": "Hybrid (stretching goal + persuasion)",
}

#: Where the bounds are this many times wider than the plausible range, the slider uses
#: the plausible range (widened to cover every preset) instead.
NARROW_FACTOR = 5.0


@dataclass(frozen=True)
class SliderSpec:
    """One slider, generated from a key :class:`Params` field."""

    name: str
    label: str
    min: float
    max: float
    step: float
    integer: bool
    unit: str
    help: str
    group: str

    def clip(self, value: float) -> float:
        """``value`` moved inside the slider's range (and onto whole numbers if integer)."""
        v = min(self.max, max(self.min, float(value)))
        return float(round(v)) if self.integer else v


def _nice_step(span: float) -> float:
    """A round step giving about a hundred positions over ``span``."""
    if span <= 0:
        return 1.0
    raw = span / 100.0
    exp = math.floor(math.log10(raw))
    base = raw / 10**exp
    nice = 1.0 if base < 1.5 else 2.0 if base < 3.5 else 5.0 if base < 7.5 else 10.0
    return float(nice * 10**exp)


def on_grid(value: float, lo: float, step: float) -> bool:
    """Whether ``value`` is a position the slider can reach (``lo + k * step``)."""
    k = (value - lo) / step
    return abs(k - round(k)) < 1e-6


def _grid(
    lo: float, hi: float, bounds: tuple[float, float], values: list[float]
) -> tuple[float, float, float]:
    """``(step, lo, hi)``: a round step with the ends snapped onto it, fine enough that
    every preset's value is a slider position.

    A preset value between two positions would be moved by the slider as soon as it is
    drawn (the browser rounds onto the step), which reads as a change nobody made.
    """
    nice = _nice_step(hi - lo)
    for divisor in (1, 2, 5, 10, 20, 50, 100):
        step = nice / divisor
        # Snap the ends onto the step grid so the slider shows round numbers.
        a = max(math.floor(lo / step + 1e-9) * step, bounds[0])
        b = min(math.ceil(hi / step - 1e-9) * step, bounds[1])
        if all(on_grid(v, a, step) for v in values):
            return step, a, b
    raise AssertionError(f"no slider step fits the presets' values {values}")


def slider_specs() -> list[SliderSpec]:
    """The workshop's sliders: every numeric ``key`` field of :class:`Params`, in order."""
    specs = Params.specs()
    preset_values = [Params.preset(p).to_dict() for p in WORKSHOP_PRESETS]
    out = []
    for name, spec in specs.items():
        if not spec.key or spec.choices is not None:
            continue
        lo, hi = spec.bounds  # type: ignore[misc]
        if spec.plausible is not None:
            plo, phi = spec.plausible
            if (hi - lo) > NARROW_FACTOR * (phi - plo):
                seen = [v[name] for v in preset_values]
                plo, phi = min(plo, *seen), max(phi, *seen)
                lo, hi = max(lo, plo / 2.0), min(hi, phi * 2.0)
        if spec.integer:
            step = 1.0
        else:
            seen = [v[name] for v in preset_values]
            step, lo, hi = _grid(lo, hi, spec.bounds, seen)  # type: ignore[arg-type]
        # Names and units from medlead.model.labels, as every table and figure shows them.
        help_text = spec.doc + (f" Unit: {unit(name)}." if unit(name) else "")
        help_text += f" Source: {spec.cite}."
        out.append(
            SliderSpec(
                name=name,
                label=display(name),
                min=float(lo),
                max=float(hi),
                step=step,
                integer=spec.integer,
                unit=spec.unit,
                help=help_text,
                group=spec.group,
            )
        )
    return out


def slider_values(params: Params) -> dict[str, float]:
    """Slider positions showing ``params`` (e.g. after choosing a preset)."""
    return {s.name: float(getattr(params, s.name)) for s in slider_specs()}


@dataclass(frozen=True)
class Controls:
    """Everything the room chooses before pressing Reset.

    ``sliders`` holds only the values that differ from the preset, so a session code
    stays short and a preset change does not silently keep stale values.
    """

    preset: str = "professional"
    strategy: str | None = None
    sliders: tuple[tuple[str, float], ...] = ()
    seed: int = 1

    def with_slider(self, name: str, value: float) -> Controls:
        """A copy with one slider moved (dropped again if it equals the preset value)."""
        base = Params.preset(self.preset)
        d = dict(self.sliders)
        if math.isclose(float(getattr(base, name)), float(value), rel_tol=1e-12, abs_tol=1e-12):
            d.pop(name, None)
        else:
            d[name] = float(value)
        return Controls(self.preset, self.strategy, tuple(sorted(d.items())), self.seed)


def build_params(
    preset: str = "professional",
    strategy: str | None = None,
    sliders: Mapping[str, Any] | None = None,
) -> Params:
    """Params for a preset, an optional strategy and slider values.

    Raises:
        ParamError: every problem (unknown preset or strategy, out-of-range or impossible
            combination), one short message each.
    """
    if preset not in WORKSHOP_PRESETS:
        known = ", ".join(WORKSHOP_PRESETS)
        raise ParamError([f"unknown preset {preset!r}; choose one of {known}"])
    base = Params.preset(preset)
    changes: dict[str, Any] = dict(sliders or {})
    if strategy is not None:
        if strategy not in STRATEGIES:
            raise ParamError(
                [f"unknown strategy {strategy!r}; choose one of {', '.join(STRATEGIES)}"]
            )
        changes["strategy"] = strategy
    for name, value in list(changes.items()):
        spec = Params.specs().get(name)
        if spec is not None and spec.integer and isinstance(value, float) and value.is_integer():
            changes[name] = int(value)
    return base.replace(**changes) if changes else base


def try_params(controls: Controls) -> tuple[Params | None, list[str]]:
    """``(params, [])`` for valid controls, else ``(None, problems)`` in plain words."""
    try:
        return build_params(controls.preset, controls.strategy, dict(controls.sliders)), []
    except ParamError as exc:
        return None, [explain_problem(p, controls) for p in exc.problems]


_AT_LEAST = re.compile(r"^(\w+)=.*\(use 0 or at least ([0-9.]+)\)$")


def explain_problem(problem: str, controls: Controls | None = None) -> str:
    """A ParamError message rephrased for the room (slider labels instead of field names).

    Counts agree with their noun ("1 medical leader"), and a suggested minimum is moved
    up to the first position the slider can reach that gives a valid hospital (the
    model's own minimum, e.g. 0.056, lies between two slider positions).
    """
    problem = re.sub(r"\b1 (\w+ \w+)s\b", r"1 \1", problem)
    m = _AT_LEAST.match(problem)
    if m and controls is not None:
        reachable = _reachable_minimum(controls, m.group(1), float(m.group(2)))
        if reachable is not None:
            problem = problem[: m.start(2)] + reachable + problem[m.end(2) :]
    labels = {s.name: s.label for s in slider_specs()}
    for name, label in sorted(labels.items(), key=lambda kv: -len(kv[0])):
        problem = problem.replace(f"{name}=", f"{label} = ")
    problem = problem.replace("(use 0 or at least", "(set it to 0 or at least")
    return problem[0].upper() + problem[1:] if problem else problem


def _reachable_minimum(controls: Controls, name: str, at_least: float) -> str | None:
    """The smallest slider position >= ``at_least`` for which ``name`` raises no problem."""
    spec = next((s for s in slider_specs() if s.name == name), None)
    if spec is None:
        return None
    decimals = max(0, -math.floor(math.log10(spec.step) + 1e-9))
    k = math.ceil((at_least - spec.min) / spec.step - 1e-9)
    while spec.min + k * spec.step <= spec.max + 1e-9:
        value = round(spec.min + k * spec.step, decimals)
        sliders = dict(controls.sliders) | {name: value}
        try:
            build_params(controls.preset, controls.strategy, sliders)
            return f"{value:.{decimals}f}"
        except ParamError as exc:
            if not any(p.startswith(f"{name}=") for p in exc.problems):
                return f"{value:.{decimals}f}"
        k += 1
    return None


def preset_description(preset: str) -> str:
    """One line describing the preset."""
    return PRESET_DESCRIPTIONS.get(preset, preset)


__all__ = [
    "PRESET_LABELS",
    "STRATEGY_LABELS",
    "WORKSHOP_PRESETS",
    "Controls",
    "SliderSpec",
    "build_params",
    "explain_problem",
    "preset_description",
    "slider_specs",
    "slider_values",
    "try_params",
]
