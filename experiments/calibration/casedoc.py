"""``docs/cases.md``, generated from the case files (so the page cannot drift from them).

The page says what a case is and how a run is compared with one, records the decision,
made in the files before any fitting, of which cases calibrate and which are held out
(each case's reason is its judgement whose ``what`` starts with ``use``), and then
shows every case: its sources, its mapping onto medlead, its figures with their
uncertainty and the statistic each is compared with, and every judgement the mapping
makes. ``tests/test_cases.py`` fails when the page and the files disagree. Regenerate
the page from the repository root with::

    python -m medlead.experiments.calibration.casedoc
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from medlead.experiments.calibration.cases import (
    CASE_DIR,
    DERIVED_STATISTICS,
    Case,
    Judgement,
    Observation,
    load_cases,
)
from medlead.model import PRESET_DESCRIPTIONS, Params

__all__ = [
    "DOC_PATH",
    "REGENERATE",
    "render_cases_doc",
    "use_judgement",
    "write_cases_doc",
]

REGENERATE = "python -m medlead.experiments.calibration.casedoc"
"""The command that regenerates ``docs/cases.md``."""

DOC_PATH = CASE_DIR.parent.parent / "docs" / "cases.md"
"""Where the page lives in a checkout (``docs/cases.md``)."""

USE_MEANING = {
    "calibrate": "fitted: its figures enter the ABC distance",
    "holdout": "held out: never fitted, predicted under the posterior",
}


def use_judgement(case: Case) -> Judgement | None:
    """The judgement that records why ``case`` calibrates or is held out.

    By convention it is the first judgement whose ``what`` starts with ``use``
    (e.g. ``what = "use = holdout"``); ``None`` if the case has none.
    """
    for judgement in case.judgements:
        if judgement.what.lower().startswith("use"):
            return judgement
    return None


def _cell(text: object) -> str:
    """Text safe inside a Markdown table cell (one line, pipes escaped)."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _num(x: float) -> str:
    return f"{x:g}"


def _cite(judgement: Judgement) -> str:
    return f" ({judgement.cite})" if judgement.cite else ""


def _statistic(obs: Observation) -> str:
    """The statistic an observation is compared with, with its own settings."""
    if obs.statistic == "rate_ratio":
        return f"`rate_ratio` (efficacy {_num(float(obs.efficacy or 0.0))})"
    if obs.statistic == "between_trust_sd":
        return f"`between_trust_sd` of `{obs.reporter}`"
    return f"`{obs.statistic}`"


def _definition(obs: Observation) -> str:
    if obs.statistic in DERIVED_STATISTICS:
        return DERIVED_STATISTICS[obs.statistic]
    return "weekly reporter (defined in [data.md](data.md))"


def _intro() -> list[str]:
    return [
        "# The case library: measured change programmes mapped onto medlead",
        "",
        f"<!-- Generated from experiments/cases/*.toml by `{REGENERATE}`; do not edit by hand. -->",
        "",
        "A model earns trust when it is fitted to several measured change programmes at "
        "once and then predicts others it was not fitted to (pattern-oriented modelling, "
        "Grimm et al. 2005). A **case** is one measured programme, one TOML file in "
        "`experiments/cases/` (file stem = `id`): its sources, what was done, the figures "
        "reported with their uncertainty, and the **mapping** onto medlead: the preset and "
        "parameter values that describe the organisation and the change, the strategy, the "
        "horizon and the week of withdrawal, the number of generated Trusts, and for each "
        "figure the model statistic and the week it corresponds to. Every judgement the "
        "mapping makes is written in the file with its reason and source; a detail that "
        "could not be verified in the sources is said to be so. The schema is "
        "`medlead.experiments.calibration.cases`; a file that loads is a case the engine "
        "can run.",
        "",
        "## How a run is compared with a case",
        "",
        "- **Parameters of a run**: the preset, then the particle's calibrated values, "
        "then the case's own `set` values, its strategy, horizon and withdrawal week: what "
        "a case states about itself wins over what is calibrated.",
        "- **Statistic**: a weekly reporter at the figure's week, or a derived statistic "
        "(below), from the case's `replications` runs (the mean over them for a statistic "
        "per run; `between_trust_sd` is the spread across them).",
        "- **Distance**: each figure contributes (model − value) / √(sd² + tolerance²). "
        "`sd` is the figure's sampling uncertainty, as reported or derived (its basis is "
        "given); `tolerance` is the mapping's own uncertainty, a judgement: a model "
        "statistic is not the quantity the study measured, only its nearest counterpart.",
        "",
        "| derived statistic | definition |",
        "| --- | --- |",
        *(f"| `{name}` | {_cell(text)} |" for name, text in DERIVED_STATISTICS.items()),
        "",
        "Every other statistic is a weekly reporter, defined in [data.md](data.md).",
        "",
    ]


def _decision(cases: list[Case]) -> list[str]:
    n_cal = sum(c.use == "calibrate" for c in cases)
    out = [
        "## The decision, made before fitting",
        "",
        f"Of {len(cases)} cases, {n_cal} calibrate and {len(cases) - n_cal} are held out. "
        "The choice is each file's `use`, written before any fitting; a held-out case "
        "never enters the distance and is predicted under the posterior, with its "
        "observed figure beside the prediction, in [calibration.md](calibration.md).",
        "",
        "| case | use | why |",
        "| --- | --- | --- |",
    ]
    for case in cases:
        judgement = use_judgement(case)
        why = judgement.why if judgement else "not recorded"
        out.append(f"| [{_cell(case.title)}](#{case.id}) | {case.use} | {_cell(why)} |")
    return [*out, ""]


def _patterns() -> list[str]:
    return [
        "## The seed deck's qualitative patterns",
        "",
        "The patterns the model is meant to reproduce (mandate buys early compliance but "
        "less sustained practice than persuasion in a professional bureaucracy; mandate "
        "does relatively better in a machine bureaucracy; the status quo holds without "
        "an intervention; critical mass; the engagement gap; erosion; variation between "
        "Trusts; KP-like settings) are not cases: they have no measured figures to fit. "
        "They stay in [validation.md](validation.md), judged at the defaults and across "
        "the plausible region, and are checked again under the posterior by the "
        "posterior-predictive headline in [calibration.md](calibration.md).",
        "",
    ]


def _mapping(case: Case) -> list[str]:
    s = case.setting
    specs = Params.specs()
    withdrawal = (
        f"week {s.withdrawal_week}"
        if s.withdrawal_week < s.weeks
        else f"never within the horizon (withdrawal_week = {s.withdrawal_week})"
    )
    rows = [
        ("preset", f"`{s.preset}`: {PRESET_DESCRIPTIONS[s.preset]}"),
        ("strategy", f"`{s.strategy}` (the strategies: [odd.md](odd.md), Phase)"),
        ("horizon", f"{s.weeks} weeks"),
        ("withdrawal", withdrawal),
        ("Trusts (replications)", str(s.replications)),
    ]
    for name, value in s.set.items():
        spec = specs.get(name)
        shown = _num(value) if isinstance(value, (int, float)) else str(value)
        extra = ""
        if spec is not None and spec.plausible is not None:
            lo, hi = spec.plausible
            extra = f" (plausible {_num(lo)}–{_num(hi)}, {spec.unit})"
        rows.append((f"`{name}`", f"{shown}{extra}"))
    other = [x for x in case.strategies if x != s.strategy]
    if other:
        rows.append(("other strategies read", ", ".join(f"`{x}`" for x in other)))
    return [
        "**Mapping**",
        "",
        "| setting | value |",
        "| --- | --- |",
        *(f"| {key} | {_cell(value)} |" for key, value in rows),
        "",
    ]


def _observations(case: Case) -> list[str]:
    out = [
        "**Figures and the statistics they are compared with**",
        "",
        "| figure | reported | value | sd | tolerance | model statistic | definition | week "
        "| strategy |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for obs in case.observations:
        out.append(
            f"| `{obs.name}` | {_cell(obs.reported)} | {_num(obs.value)} | {_num(obs.sd)} | "
            f"{_num(obs.tolerance)} | {_statistic(obs)} | {_cell(_definition(obs))} | "
            f"{obs.week} | `{case.strategy_of(obs)}` |"
        )
    out += ["", "Uncertainty of each figure:", ""]
    for obs in case.observations:
        out.append(
            f"- `{obs.name}`: sd {_num(obs.sd)}, {_cell(obs.sd_basis)}; tolerance "
            f"{_num(obs.tolerance)}, {_cell(obs.tolerance_basis)}."
        )
    return [*out, ""]


def _case(case: Case) -> list[str]:
    out = [
        f'<a id="{case.id}"></a>',
        "",
        f"### {case.title} (`{case.id}`)",
        "",
        f"**Use**: `{case.use}` ({USE_MEANING[case.use]}).",
        "",
        _cell(case.summary),
        "",
        "**Sources**",
        "",
    ]
    for src in case.sources:
        doi = f" doi:[{src.doi}](https://doi.org/{src.doi})." if src.doi else ""
        note = f" {_cell(src.note)}" if src.note else ""
        out.append(f"- {_cell(src.cite)}.{doi}{note}")
    out += ["", *_mapping(case), *_observations(case), "**Judgements**", ""]
    out += [f"- **{_cell(j.what)}**: {_cell(j.why)}{_cite(j)}" for j in case.judgements]
    out.append("")
    if case.notes.strip():
        out += ["**Notes**", "", _cell(case.notes), ""]
    return out


def render_cases_doc(cases: Iterable[Case]) -> str:
    """The Markdown of ``docs/cases.md`` for ``cases`` (in the order given).

    Args:
        cases: the cases to describe, usually ``load_cases()``.

    Returns:
        The page, ending with a newline.
    """
    cases = list(cases)
    lines = [*_intro(), *_decision(cases), *_patterns(), "## The cases", ""]
    for case in cases:
        lines += _case(case)
    return "\n".join(lines).rstrip("\n") + "\n"


def write_cases_doc(path: str | Path | None = None, cases: list[Case] | None = None) -> Path:
    """Write :func:`render_cases_doc` of ``cases`` (default: the shipped ones) to ``path``.

    Args:
        path: the file to write (default :data:`DOC_PATH`, ``docs/cases.md``).
        cases: the cases (default ``load_cases()``).

    Returns:
        The path written.

    Raises:
        CaseError: a shipped case file that does not load.
    """
    target = Path(path) if path is not None else DOC_PATH
    text = render_cases_doc(cases if cases is not None else load_cases())
    target.write_text(text, encoding="utf-8")
    return target


if __name__ == "__main__":
    write_cases_doc()
