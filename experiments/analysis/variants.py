"""The comparison side by side for every variant: structural forms and ablations.

A *variant* is one combination of the factors other than the strategy: under
``structures = "all"`` each combination of the structural switches (``Params`` fields
of role ``structure``), under ``ablations = "all"`` each ablation
(:mod:`medlead.experiments.engine.ablations`). Every variant runs every strategy on the same
replications (common random numbers), so within a variant the strategies are compared
pairwise, replication by replication, as in the headline.

:func:`variant_table` reads a sweep folder and gives, per variant and strategy, the
mean of each outcome with its 95% CI and the paired difference from the
baseline strategy with its CI (bootstrap percentile for shares, the paired one resampling
replications; Student-t otherwise); then, for every pair of strategies and outcome, in how
many variants one beats the other (mean paired difference above 0) and in how many its
paired CI lies above 0, which says plainly which conclusions hold in every variant.
:func:`write_variant_report` writes it as CSV and Markdown; ``medlead compare
--structures`` / ``--ablations`` print it (``docs/experiments.md``).

Why one long module: the table and its three renderings (terminal, CSV, Markdown) share
the same rows and conclusions; most of its length is formatting.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from medlead.experiments.analysis.stats import METHODS, PAIRED_METHODS, MeanCI, outcome_ci
from medlead.experiments.engine.ablations import BASELINE_ABLATION, ablation
from medlead.experiments.engine.scenario import ABLATION_FACTOR, Scenario, parse_scenario
from medlead.experiments.engine.store import (
    read_manifest,
    runs_frame,
    write_csv_atomic,
    write_text_atomic,
)
from medlead.model import ParamError, Params
from medlead.model.labels import display
from medlead.model.params import STRUCTURES

__all__ = [
    "VARIANT_OUTCOMES",
    "VariantTable",
    "format_variant_table",
    "has_variants",
    "reference_variant",
    "variant_label",
    "variant_markdown",
    "variant_table",
    "write_variant_report",
]

VARIANT_OUTCOMES: tuple[str, ...] = ("sustained_practising_share", "sustained_faithful_share")
"""What the variant table shows by default: practice sustained, plain and fidelity-weighted."""

VERBS = {
    "sustained_practising_share": "sustains more practice",
    "sustained_faithful_share": "sustains more faithful practice",
}
MAX_EXCEPTIONS = 6
"""Variants named where a conclusion fails (the rest are counted)."""


def has_variants(scenario: Scenario) -> bool:
    """Whether the scenario crosses structural switches or ablations with the strategy."""
    f = scenario.spec.factors
    return "strategy" in f and any(k in STRUCTURES or k == ABLATION_FACTOR for k in f)


def _kind(factors: list[str]) -> str:
    structures = any(f in STRUCTURES for f in factors)
    ablations = ABLATION_FACTOR in factors
    if structures and not ablations and all(f in STRUCTURES for f in factors):
        return "structures"
    if ablations and len(factors) == 1:
        return "ablations"
    return "variants"


@dataclass
class VariantTable:
    """Means, paired differences and conclusions per variant of a sweep folder."""

    scenario: Scenario
    kind: str
    """``structures``, ``ablations`` or ``variants`` (a mix, or other factors too)."""
    factors: list[str]
    """Factors whose combinations are the variants (every grid factor but the strategy)."""
    labelled: list[str]
    """The factors with more than one value: a variant's label joins their values."""
    fixed: dict[str, Any]
    """Factors with a single value (shown once, not in the labels)."""
    strategies: list[str]
    baseline: str
    outcomes: list[str]
    variants: list[str]
    """Variant labels in design order."""
    reference: str | None
    """The variant with the model's default forms and no ablation, if it was run."""
    table: pd.DataFrame
    """One row per variant, strategy and outcome: the variant's factor values, ``variant``
    (its label), ``strategy``, ``outcome``, ``n``, ``mean``, ``ci_low``, ``ci_high`` and
    the paired difference from the baseline ``diff``, ``diff_low``, ``diff_high``
    (``diff_n`` replications; NaN for the baseline itself) and ``diff_method``."""
    conclusions: pd.DataFrame
    """One row per outcome and pair of strategies: ``better``, ``worse``, ``variants``,
    ``more`` (variants where better's mean paired difference is above 0), ``ci_above``,
    ``ci_below`` (paired CI entirely above / below 0), ``holds_in_all``, ``reversed``
    and ``equal`` (the variants where it does not hold, ``; ``-separated)
    and ``statement`` (the plain sentence)."""
    ok: int
    failed: int

    @property
    def unit(self) -> str:
        """What a variant is called in sentences."""
        return "ablations" if self.kind == "ablations" else "variants"


def _label(rec: dict[str, Any], labelled: list[str]) -> str:
    return " / ".join(str(rec[f]) for f in labelled) if labelled else "all"


def _reference(scenario: Scenario, factors: list[str], rows: list[dict[str, Any]]) -> int | None:
    """Index of the row with the model's default forms and no ablation, if any."""
    spec = scenario.spec
    try:
        base = Params.from_mapping(
            {k: v for k, v in spec.params.items() if k in STRUCTURES},
            base=Params.preset(spec.preset),
        )
    except ParamError:  # values valid only with the factors: no single default
        return None
    checks = [f for f in factors if f in STRUCTURES or f == ABLATION_FACTOR]
    if not checks or len(checks) < len(factors):
        return None
    for i, rec in enumerate(rows):
        if all(
            rec[f] == (BASELINE_ABLATION if f == ABLATION_FACTOR else getattr(base, f))
            for f in checks
        ):
            return i
    return None


def reference_variant(scenario: Scenario) -> dict[str, Any] | None:
    """The factor values (all but the strategy) of the variant with the model's default
    forms and no ablation, or ``None`` when the sweep has no such variant.
    """
    spec = scenario.spec
    factors = [f for f in spec.factors if f != "strategy"]
    combos = [dict(zip(factors, c, strict=True)) for c in _combos(spec, factors)]
    ref = _reference(scenario, factors, combos)
    return combos[ref] if ref is not None else None


def variant_label(scenario: Scenario, values: dict[str, Any]) -> str:
    """A variant's name as the variant table gives it (its varied factors' values)."""
    labelled = [
        f for f in scenario.spec.factors if f != "strategy" and len(scenario.spec.factors[f]) > 1
    ]
    return _label(values, labelled)


def _verb(outcome: str) -> str:
    return VERBS.get(outcome, f"has a higher {outcome}")


def variant_table(
    root: str | Path,
    *,
    baseline: str | None = None,
    outcomes: list[str] | tuple[str, ...] | None = None,
) -> VariantTable:
    """The variant table of a sweep folder (see the module docstring).

    Args:
        root: a sweep folder whose scenario has the strategy as a factor.
        baseline: strategy of the paired differences (default: the scenario's).
        outcomes: summary keys (default :data:`VARIANT_OUTCOMES`).

    Raises:
        ValueError: the strategy is not a factor, or there is no baseline.
        ParamError: the baseline is not among the strategies run.
    """
    manifest = read_manifest(root)
    scenario = parse_scenario(manifest["scenario"]["text"], name=manifest["scenario"]["name"])
    spec = scenario.spec
    if "strategy" not in spec.factors:
        raise ValueError(f"{root}: the strategy is not a factor; nothing to compare")
    if spec.sample is not None:
        raise ValueError(f"{root}: a sampled design has no variants to tabulate")
    baseline = baseline or scenario.baseline
    if baseline is None:
        raise ValueError(f"{root}: no baseline strategy for the paired differences")
    outcomes = list(outcomes or VARIANT_OUTCOMES)
    if baseline not in spec.factors["strategy"]:
        run = ", ".join(map(str, spec.factors["strategy"]))
        raise ParamError([f"baseline {baseline!r} is not among the strategies run ({run})"])
    factors = [f for f in spec.factors if f != "strategy"]
    labelled = [f for f in factors if len(spec.factors[f]) > 1]
    fixed = {f: spec.factors[f][0] for f in factors if len(spec.factors[f]) == 1}
    strategies = [str(s) for s in spec.factors["strategy"]]
    runs = runs_frame(root)
    ok = runs[runs["status"] == "ok"]
    combos = [dict(zip(factors, c, strict=True)) for c in _combos(spec, factors)]
    ref = _reference(scenario, factors, combos)
    labels = [_label(c, labelled) for c in combos]
    rows: list[dict[str, Any]] = []
    pair_diffs: dict[tuple[str, str, str], list[MeanCI]] = {}
    for combo, label in zip(combos, labels, strict=True):
        sel = ok
        for f, v in combo.items():
            sel = sel[sel[f] == v]
        by = {s: sel[sel["strategy"] == s].set_index("rep") for s in strategies}
        for o in outcomes:
            for s in strategies:
                m = outcome_ci(o, by[s][o].tolist())
                if s == baseline:
                    d = MeanCI(math.nan, math.nan, math.nan, 0)
                else:
                    d = _paired(by[s], by[baseline], o)
                rows.append(
                    {
                        **combo,
                        "variant": label,
                        "strategy": s,
                        "outcome": o,
                        "n": m.n,
                        "mean": m.mean,
                        "ci_low": m.low,
                        "ci_high": m.high,
                        "ci_method": m.method,
                        "diff_n": d.n,
                        "diff": d.mean,
                        "diff_low": d.low,
                        "diff_high": d.high,
                        "diff_method": d.method,
                    }
                )
            for a, b in itertools.combinations(strategies, 2):
                pair_diffs.setdefault((o, a, b), []).append(_paired(by[a], by[b], o))
    table = pd.DataFrame(rows)
    conclusions = _conclusions(pair_diffs, labels, strategies, baseline, _kind(factors))
    return VariantTable(
        scenario=scenario,
        kind=_kind(factors),
        factors=factors,
        labelled=labelled,
        fixed=fixed,
        strategies=strategies,
        baseline=baseline,
        outcomes=outcomes,
        variants=labels,
        reference=labels[ref] if ref is not None else None,
        table=table,
        conclusions=conclusions,
        ok=int((runs["status"] == "ok").sum()),
        failed=int((runs["status"] != "ok").sum()),
    )


def _combos(spec: Any, factors: list[str]) -> list[tuple[Any, ...]]:
    return list(itertools.product(*(spec.factors[f] for f in factors))) if factors else [()]


def _paired(a: pd.DataFrame, b: pd.DataFrame, outcome: str) -> MeanCI:
    """Mean ``a − b`` over shared replications: paired bootstrap for a share, else t."""
    reps = a.index.intersection(b.index)
    return outcome_ci(outcome, (a.loc[reps, outcome] - b.loc[reps, outcome]).tolist())


def _conclusions(
    pair_diffs: dict[tuple[str, str, str], list[MeanCI]],
    labels: list[str],
    strategies: list[str],
    baseline: str,
    kind: str,
) -> pd.DataFrame:
    unit = "ablations" if kind == "ablations" else "variants"
    rows = []
    for (o, a, b), diffs in pair_diffs.items():
        have = [(lab, d) for lab, d in zip(labels, diffs, strict=True) if d.n > 0]
        pos = sum(d.mean > 0 for _, d in have)
        neg = sum(d.mean < 0 for _, d in have)
        # Orient each pair so that "better" wins in more variants (on a tie the later
        # strategy against the earlier, e.g. persuasion against mandate).
        flip = neg >= pos
        better, worse = (b, a) if flip else (a, b)
        sign = -1.0 if flip else 1.0
        bounds = [(d.low, d.high) if not flip else (-d.high, -d.low) for _, d in have]
        more = sum(sign * d.mean > 0 for _, d in have)
        above = sum(lo > 0 for lo, _ in bounds)
        below = sum(hi < 0 for _, hi in bounds)
        reversed_ = [lab for lab, d in have if sign * d.mean < 0]
        equal = [lab for lab, d in have if d.mean == 0]
        n = len(have)
        if n and pos == 0 and neg == 0:
            statement = f"{better} and {worse} do not differ in {o} in any of the {n} {unit}"
        else:
            statement = (
                f"{better} {_verb(o)} than {worse} in {more}/{n} {unit} (paired 95% CI "
                f"above 0 in {above}/{n}" + (f", below 0 in {below}/{n}" if below else "") + ")"
            )
        rows.append(
            {
                "outcome": o,
                "better": better,
                "worse": worse,
                "against_baseline": baseline in (a, b),
                "variants": n,
                "more": more,
                "ci_above": above,
                "ci_below": below,
                "holds_in_all": n > 0 and more == n,
                "reversed": "; ".join(reversed_),
                "equal": "; ".join(equal),
                "statement": statement,
            }
        )
    df = pd.DataFrame(rows)
    if len(df):
        order = {s: i for i, s in enumerate(strategies)}
        outcome_order = {o: i for i, o in enumerate(dict.fromkeys(df["outcome"]))}
        df["_o"] = df["outcome"].map(outcome_order)
        df["_b"] = ~df["against_baseline"]
        df["_s"] = df["better"].map(order) + df["worse"].map(order)
        df = df.sort_values(["_o", "_b", "_s"], kind="stable").drop(columns=["_o", "_b", "_s"])
    return df.reset_index(drop=True)


# ------------------------------------------------------------------------- output
def _methods(vt: VariantTable, outcome: str, paired: bool = False) -> str:
    """How the intervals of ``outcome``'s means (or paired differences) were made."""
    column, names = ("diff_method", PAIRED_METHODS) if paired else ("ci_method", METHODS)
    sel = vt.table[(vt.table["outcome"] == outcome) & (vt.table["n"] > 1)]
    if paired:
        sel = sel[sel["diff_n"] > 1]
    used = sel.get(column, [])
    return " / ".join(names[m] for m in dict.fromkeys(used)) or names["t"]


def _ci(mean: float, low: float, high: float, n: int, signed: bool = False) -> str:
    return MeanCI(mean, low, high, n).format(3, signed=signed)


def _wide(vt: VariantTable, outcome: str, md: bool = False) -> tuple[list[str], list[list[str]]]:
    """Header and rows of one outcome's table: variant, strategies, differences."""
    others = [s for s in vt.strategies if s != vt.baseline]
    head = ["variant"]
    if vt.kind == "ablations":
        head += ["removes", "setting"]
    head += [*vt.strategies, *(f"{s} − {vt.baseline}" for s in others)]
    df = vt.table[vt.table["outcome"] == outcome]
    rows = []
    for label in vt.variants:
        d = df[df["variant"] == label].set_index("strategy")
        star = " \\*" if md else " *"
        name = label + (star if label == vt.reference and vt.kind != "ablations" else "")
        row = [name]
        if vt.kind == "ablations":
            a = ablation(label)
            row += [a.note, a.setting]
        row += [
            _ci(d.at[s, "mean"], d.at[s, "ci_low"], d.at[s, "ci_high"], d.at[s, "n"])
            for s in vt.strategies
        ]
        row += [
            _ci(d.at[s, "diff"], d.at[s, "diff_low"], d.at[s, "diff_high"], d.at[s, "diff_n"], True)
            for s in others
        ]
        rows.append(row)
    return head, rows


def _text_table(head: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[j]) for r in rows)) for j, h in enumerate(head)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)).rstrip()]
    for r in rows:
        lines.append("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    return "\n".join(lines)


def _md_table(head: list[str], rows: list[list[str]]) -> str:
    def cell(x: str) -> str:
        return x.replace("|", "\\|")

    lines = ["| " + " | ".join(cell(h) for h in head) + " |"]
    lines.append("| " + " | ".join("---" for _ in head) + " |")
    lines += ["| " + " | ".join(cell(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def _header(vt: VariantTable, md: bool = False) -> list[str]:
    sc = vt.scenario
    n_var = len(vt.variants)
    p0 = sc.points[0].params
    lines = [
        f"{sc.name}: {n_var} {vt.unit} x {len(vt.strategies)} strategies x "
        f"{sc.replications} replications, horizon {p0.weeks} weeks, withdrawal at week "
        f"{p0.withdrawal_week}; {vt.ok} runs ok, {vt.failed} failed"
        + (
            f" ({sc.n_runs - vt.ok - vt.failed} not yet run)"
            if vt.ok + vt.failed < sc.n_runs
            else ""
        ),
        "same replications (common random numbers) for every variant and strategy",
    ]
    if vt.labelled:
        lines.append("variant = " + " / ".join(vt.labelled))
    if vt.fixed:
        lines.append("fixed: " + ", ".join(f"{k}={v}" for k, v in vt.fixed.items()))
    if vt.reference is not None and vt.kind != "ablations":
        lines.append(("\\*" if md else "*") + " marks the model's default forms")
    return lines


def _conclusion_lines(vt: VariantTable, bullet: str = "- ") -> list[str]:
    c = vt.conclusions
    out = []
    if not len(c):
        return out
    holds = c[c["holds_in_all"]]
    depends = c[~c["holds_in_all"]]
    out.append(f"Conclusions that hold in every one of the {len(vt.variants)} {vt.unit}:")
    out += [bullet + s for s in holds["statement"]] or [bullet + "none"]
    out.append("")
    out.append(
        f"Conclusions that depend on the {'ablation' if vt.kind == 'ablations' else 'variant'}:"
    )
    if not len(depends):
        out.append(bullet + "none")
    for r in depends.itertuples():
        parts = [r.statement]
        for what, cell in (("reversed in", r.reversed), ("equal in", r.equal)):
            names = [e for e in cell.split("; ") if e]
            if names:
                more = len(names) - MAX_EXCEPTIONS
                parts.append(
                    f"{what}: "
                    + ", ".join(names[:MAX_EXCEPTIONS])
                    + (f" and {more} more" if more > 0 else "")
                )
        out.append(bullet + "; ".join(parts))
    return out


def format_variant_table(vt: VariantTable) -> str:
    """The variant table as plain text (terminal and logs)."""
    out = _header(vt)
    for o in vt.outcomes:
        head, rows = _wide(vt, o)
        if vt.kind == "ablations":  # the notes are in the Markdown report
            head = [h for j, h in enumerate(head) if j not in (1, 2)]
            rows = [[c for j, c in enumerate(r) if j not in (1, 2)] for r in rows]
        out += [
            "",
            f"{display(o)}: mean [95% CI, {_methods(vt, o)}] per strategy; paired "
            f"difference from {vt.baseline} on the same replications [95% CI, "
            f"{_methods(vt, o, paired=True)}]",
            _text_table(head, rows),
        ]
    out += ["", *_conclusion_lines(vt, bullet="  ")]
    return "\n".join(out).rstrip()


def variant_markdown(vt: VariantTable, *, command: str | None = None) -> str:
    """The variant report as Markdown: what ran, the tables, the conclusions."""
    sc = vt.scenario
    manifest_lines = [f"- {line}" for line in _header(vt, md=True)]
    lines = [f"# {sc.name}: the comparison in every {vt.unit[:-1]}", ""]
    if sc.spec.description:
        lines += [sc.spec.description, ""]
    lines += manifest_lines
    lines += [
        f"- root seed {sc.seed}; command `{command}`" if command else f"- root seed {sc.seed}",
        "",
    ]
    lines += ["## Conclusions", ""]
    lines += _conclusion_lines(vt)
    lines.append("")
    lines += [
        "A conclusion *holds* in a variant when the mean paired difference (same "
        "replications, common random numbers) has that sign; the paired 95% CI "
        "(a paired bootstrap percentile interval for shares, resampling replications) "
        "says whether the replications suffice to tell.",
        "",
    ]
    for o in vt.outcomes:
        head, rows = _wide(vt, o, md=True)
        lines += [
            f"## `{o}`",
            "",
            f"{display(o)}: mean [95% CI, {_methods(vt, o)}] over replications per "
            f"strategy, and the paired difference from `{vt.baseline}` [95% CI, "
            f"{_methods(vt, o, paired=True)}].",
            "",
            _md_table(head, rows),
            "",
        ]
    return "\n".join(lines).rstrip() + "\n"


def write_variant_report(
    root: str | Path, vt: VariantTable, *, out: str | Path | None = None, command: str | None = None
) -> list[Path]:
    """Write ``<kind>.csv``, ``<kind>_conclusions.csv`` and ``<kind>.md``; return the paths.

    ``kind`` is ``structures``, ``ablations`` or ``variants``; ``out`` defaults to the
    sweep folder.
    """
    dest = Path(out) if out is not None else Path(root)
    dest.mkdir(parents=True, exist_ok=True)
    return [
        write_csv_atomic(dest / f"{vt.kind}.csv", vt.table),
        write_csv_atomic(dest / f"{vt.kind}_conclusions.csv", vt.conclusions),
        write_text_atomic(dest / f"{vt.kind}.md", variant_markdown(vt, command=command)),
    ]
