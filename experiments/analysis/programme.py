"""The programme table: each strategy at the end of the programme, a year on, and retention.

The question of the headline is whether improvement *lasts*, so its table reads each run's
weekly series at two weeks: the end of the programme (the withdrawal week, 104 by
default) and the sustainment week (156, or the horizon if shorter, as
:func:`~medlead.model.outputs.summarise` reads it), and their ratio, the *retention*
(week 156 ÷ week 104: 1 = everything kept after withdrawal, 0 = nothing). Each row has its
mean over replications with a 95% CI and n, and the paired difference from a named
baseline strategy on the same replications.

Intervals: a share at a week gets a bootstrap percentile interval (inside [0, 1]) and its
paired difference a paired bootstrap (replications resampled with both strategies
together, inside [-1, 1]); a retention is a ratio of two means over the same
replications, resampled together, so it gets a bootstrap percentile interval too (not
bounded: a share that grows after withdrawal retains more than 1). All resamples come
from the fixed generator of :mod:`medlead.experiments.analysis.stats`, so the table is
reproducible.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from medlead.experiments.analysis.stats import (
    METHODS,
    PAIRED_METHODS,
    MeanCI,
    bootstrap_means,
    outcome_ci,
    percentile_bounds,
)
from medlead.experiments.engine.scenario import Scenario
from medlead.experiments.engine.store import connect
from medlead.model.labels import label as label_of

__all__ = [
    "PROGRAMME_SERIES",
    "ProgrammeTable",
    "format_programme",
    "programme_markdown",
    "programme_table",
]

PROGRAMME_SERIES: tuple[str, ...] = (
    "practising_share",
    "faithful_practising_share",
    "committed_share",
)
"""The weekly series the table reads (those the folder stored): practice, practice
weighted by fidelity, and commitment, the state that should carry practice on."""

RETENTION_UNIT = "ratio, week {s} ÷ week {e}"


@dataclass
class ProgrammeTable:
    """Per design point: each series at the end week and the sustain week, and retention."""

    scenario: Scenario
    factors: list[str]
    series: list[str]
    end_week: int
    sustain_week: int
    baseline: str | None
    rows: pd.DataFrame
    """One row per point and quantity: the factor columns, ``series``, ``quantity`` (``end``,
    ``sustain`` or ``retention``), ``label``, ``unit``, ``n``, ``mean``, ``ci_low``,
    ``ci_high``, ``ci_method``, and the paired difference from ``baseline``: ``diff_n``,
    ``diff``, ``diff_low``, ``diff_high``, ``diff_method`` (NaN for the baseline itself and
    when the sweep does not vary the strategy)."""

    def quantity_label(self, series: str, quantity: str) -> tuple[str, str]:
        """The row's title and unit, e.g. ("Practising at week 104 (end of programme)", ...)."""
        lab = label_of(series)
        if quantity == "end":
            return f"{lab.title} at week {self.end_week} (end of programme)", lab.unit
        if quantity == "sustain":
            return f"{lab.title} at week {self.sustain_week}", lab.unit
        unit = RETENTION_UNIT.format(s=self.sustain_week, e=self.end_week)
        return f"Retention of {lab.title.lower()}", unit


MIN_RETENTION_BASE = 0.01
"""Retention is shown only where the week-104 mean is at least this (a share of 1%): the
ratio of two near-zero shares (e.g. 0.0002 of staff practising without any intervention,
kept to week 156) reads as "everything kept" and would rank doing nothing above a
mandate, which says nothing about retention."""


def _ratio_ci(num: np.ndarray, den: np.ndarray) -> MeanCI:
    """mean(num) / mean(den) with a bootstrap percentile interval (replications together);
    NaN (shown "-") where mean(den) is below :data:`MIN_RETENTION_BASE`.
    """
    n = int(num.size)
    with np.errstate(divide="ignore", invalid="ignore"):
        est = float(num.mean() / den.mean()) if n and den.mean() >= MIN_RETENTION_BASE else math.nan
        if n < 2 or math.isnan(est):
            return MeanCI(est, math.nan, math.nan, n, "bootstrap")
        m = bootstrap_means(np.vstack([num, den]))
        ratios = m[0] / m[1]
    ratios[~np.isfinite(ratios)] = np.nan
    lo, hi = percentile_bounds(ratios)
    return MeanCI(est, float(min(lo, est)), float(max(hi, est)), n, "bootstrap")


def _ratio_diff_ci(
    a_num: np.ndarray, a_den: np.ndarray, b_num: np.ndarray, b_den: np.ndarray
) -> MeanCI:
    """Retention of a − retention of b, paired: one resample draws replication r of both."""
    n = int(a_num.size)
    based = n and min(a_den.mean(), b_den.mean()) >= MIN_RETENTION_BASE
    with np.errstate(divide="ignore", invalid="ignore"):
        est = (
            float(a_num.mean() / a_den.mean() - b_num.mean() / b_den.mean()) if based else math.nan
        )
        if n < 2 or not math.isfinite(est):
            return MeanCI(est if math.isfinite(est) else math.nan, math.nan, math.nan, n)
        m = bootstrap_means(np.vstack([a_num, a_den, b_num, b_den]))
        d = m[0] / m[1] - m[2] / m[3]
    d[~np.isfinite(d)] = np.nan
    lo, hi = percentile_bounds(d)
    return MeanCI(est, float(min(lo, est)), float(max(hi, est)), n, "bootstrap")


def programme_table(
    root: str | Path, scenario: Scenario, baseline: str | None = None
) -> ProgrammeTable | None:
    """The programme table of a sweep folder (``None`` if it stored none of the series).

    Args:
        root: a sweep folder.
        scenario: the scenario it was made with.
        baseline: strategy the paired differences are taken against (default: the
            scenario's; none when the strategy is not a factor).
    """
    p0 = scenario.points[0].params
    end, sustain = int(p0.withdrawal_week), int(min(156, p0.weeks))
    factors = scenario.factor_names
    con = connect(root)
    stored = {row[0] for row in con.execute("DESCRIBE SELECT * FROM timeseries").fetchall()}
    series = [s for s in PROGRAMME_SERIES if s in stored]
    if not series or end > p0.weeks:
        return None
    q = ", ".join(f't."{s}"' for s in series)
    keys = ", ".join(f'r."{f}"' for f in factors)
    df = con.execute(
        f"SELECT t.point, t.rep, t.week, {q}{', ' + keys if keys else ''} FROM timeseries t "
        "JOIN ok_runs r ON t.point = r.point AND t.rep = r.rep "
        "WHERE t.week IN (?, ?) ORDER BY t.point, t.rep",
        [end, sustain],
    ).df()
    if not len(df):
        return None
    baseline = baseline if baseline is not None else scenario.baseline
    if "strategy" not in factors:
        baseline = None
    wide = df.pivot_table(index=["point", "rep"], columns="week", values=series)
    others = [f for f in factors if f != "strategy"]
    facts = {int(p): scenario.points[int(p)].factors for p in wide.index.get_level_values(0)}

    def match(point: int) -> int | None:
        """The baseline's point with the same other factors as ``point``."""
        for p, f in facts.items():
            if f.get("strategy") == baseline and all(f[o] == facts[point][o] for o in others):
                return p
        return None

    rows = []
    for point in sorted(facts):
        own = wide.loc[point]
        base_p = match(point) if baseline is not None else None
        base = wide.loc[base_p] if base_p is not None and base_p != point else None
        reps = own.index if base is None else own.index.intersection(base.index)
        for s in series:
            x_end, x_sus = (own.loc[reps, (s, w)].to_numpy(float) for w in (end, sustain))
            if base is not None:
                y_end, y_sus = (base.loc[reps, (s, w)].to_numpy(float) for w in (end, sustain))
            for quantity in ("end", "sustain", "retention"):
                if quantity == "retention":
                    m = _ratio_ci(own[(s, sustain)].to_numpy(float), own[(s, end)].to_numpy(float))
                    d = _ratio_diff_ci(x_sus, x_end, y_sus, y_end) if base is not None else None
                else:
                    col = (s, end if quantity == "end" else sustain)
                    m = outcome_ci(s, own[col].to_numpy(float))
                    x = x_end if quantity == "end" else x_sus
                    y = (y_end if quantity == "end" else y_sus) if base is not None else None
                    d = outcome_ci(s, x - y) if y is not None else None
                d = d or MeanCI(math.nan, math.nan, math.nan, 0)
                rows.append(
                    {
                        **facts[point],
                        "point": point,
                        "series": s,
                        "quantity": quantity,
                        "n": m.n,
                        "mean": m.mean,
                        "ci_low": m.low,
                        "ci_high": m.high,
                        "ci_method": m.method,
                        "baseline": baseline or "",
                        "diff_n": d.n,
                        "diff": d.mean,
                        "diff_low": d.low,
                        "diff_high": d.high,
                        "diff_method": d.method if d.n else "",
                    }
                )
    table = ProgrammeTable(
        scenario=scenario,
        factors=factors,
        series=series,
        end_week=end,
        sustain_week=sustain,
        baseline=baseline,
        rows=pd.DataFrame(rows),
    )
    labels = [
        table.quantity_label(s, q)
        for s, q in zip(table.rows["series"], table.rows["quantity"], strict=True)
    ]
    table.rows.insert(len(factors) + 3, "label", [t for t, _ in labels])
    table.rows.insert(len(factors) + 4, "unit", [u for _, u in labels])
    return table


def _point_label(rec: dict, factors: list[str]) -> str:
    if not factors:
        return "all runs"
    if len(factors) == 1:
        return str(rec[factors[0]])
    return ", ".join(f"{label_of(f).title.lower()} {rec[f]}" for f in factors)


def _cells(pt: ProgrammeTable, diff: bool) -> tuple[list[str], list[str], dict]:
    """Row titles, column labels and ``(row, column) → text`` of the means or differences."""
    cells: dict[tuple[str, str], str] = {}
    rows: list[str] = []
    cols: list[str] = []
    for rec in pt.rows.to_dict("records"):
        if diff and (rec["diff_n"] == 0 or rec.get("strategy") == pt.baseline):
            continue
        title, unit_ = pt.quantity_label(rec["series"], rec["quantity"])
        row = f"{title} ({unit_})" if unit_ else title
        col = _point_label(rec, pt.factors)
        rows += [row] if row not in rows else []
        cols += [col] if col not in cols else []
        if diff:
            ci = MeanCI(rec["diff"], rec["diff_low"], rec["diff_high"], rec["diff_n"])
        else:
            ci = MeanCI(rec["mean"], rec["ci_low"], rec["ci_high"], rec["n"])
        cells[(row, col)] = ci.format(3, signed=diff)
    return rows, cols, cells


def _legend(pt: ProgrammeTable) -> list[str]:
    """What the table's cells, rows and intervals mean (printed and in the Markdown)."""
    n = pt.rows["n"]
    n_text = str(int(n.max())) if n.min() == n.max() else f"{int(n.min())} to {int(n.max())}"
    lines = [
        f"Each cell: mean [95% CI] over n = {n_text} replications per column (every column "
        "the same hospitals: common random numbers); units in brackets after each row.",
        f"Week {pt.end_week}: the end of the programme (the intervention is withdrawn); week "
        f"{pt.sustain_week}: {pt.sustain_week - pt.end_week} weeks later. Retention = mean at "
        f"week {pt.sustain_week} ÷ mean at week {pt.end_week} (1: all kept; - where under "
        f"{MIN_RETENTION_BASE:.0%} was there at week {pt.end_week}: a ratio of near-zero "
        "shares says nothing about retention).",
        f"Shares: {METHODS['bootstrap']} intervals, inside [0, 1]; retention: "
        f"{METHODS['bootstrap']} of the ratio, the two weeks of a replication resampled "
        "together.",
    ]
    if pt.baseline is not None:
        lines.append(
            f"Paired differences: column − {pt.baseline} (the baseline) on the same "
            f"replications, mean [95% CI, {PAIRED_METHODS['bootstrap']}]; a share's stays "
            "inside [-1, 1]."
        )
    return lines


def _text_table(rows: list[str], cols: list[str], cells: dict, head: str) -> str:
    w0 = max(len(head), *(len(r) for r in rows))
    widths = [max(len(c), *(len(cells.get((r, c), "-")) for r in rows)) for c in cols]
    out = ["  ".join([head.ljust(w0), *(c.ljust(w) for c, w in zip(cols, widths, strict=True))])]
    for r in rows:
        vals = [cells.get((r, c), "-").ljust(w) for c, w in zip(cols, widths, strict=True)]
        out.append("  ".join([r.ljust(w0), *vals]).rstrip())
    return "\n".join(line.rstrip() for line in out)


def _md(rows: list[str], cols: list[str], cells: dict, head: str) -> str:
    out = [
        "| " + " | ".join([head, *cols]) + " |",
        "| " + " | ".join("---" for _ in [0, *cols]) + " |",
    ]
    out += ["| " + " | ".join([r, *(cells.get((r, c), "–") for c in cols)]) + " |" for r in rows]
    return "\n".join(out)


def _blocks(pt: ProgrammeTable) -> list[tuple[str, tuple[list[str], list[str], dict]]]:
    blocks = [("quantity (unit): mean [95% CI]", _cells(pt, diff=False))]
    if pt.baseline is not None:
        rows, cols, cells = _cells(pt, diff=True)
        if rows:
            blocks.append((f"difference from {pt.baseline} [95% CI]", (rows, cols, cells)))
    return [(h, c) for h, c in blocks if c[0]]


def format_programme(pt: ProgrammeTable) -> str:
    """The programme table as plain text: its legend, the means, the paired differences."""
    out = [
        f"end of programme (week {pt.end_week}), week {pt.sustain_week} and retention",
        *_legend(pt),
    ]
    for head, (rows, cols, cells) in _blocks(pt):
        out += ["", _text_table(rows, cols, cells, head)]
    return "\n".join(out)


def programme_markdown(pt: ProgrammeTable) -> list[str]:
    """The programme table as Markdown lines: legend, means, paired differences."""
    out = [*(f"- {line}" for line in _legend(pt)), ""]
    for head, (rows, cols, cells) in _blocks(pt):
        out += [_md(rows, cols, cells, head), ""]
    return out
