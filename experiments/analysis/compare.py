"""The comparison table and curves of a sweep folder (``medlead compare`` and ``report``).

The table gives, for each design point (e.g. each strategy), the mean of each outcome
over replications with its 95% confidence interval; then the *paired* differences from
the baseline strategy on the same replications (common random numbers: same hospital,
same draws as far as the mechanisms allow). Aggregation runs in DuckDB over the store's
Parquet parts. The interval of a mean share (or 0-1 score) is a bootstrap percentile
interval, which stays inside [0, 1], and that of a paired difference of shares a paired
bootstrap (replications resampled, both strategies of one together), inside [-1, 1];
other quantities get Student-t intervals (:mod:`medlead.experiments.analysis.stats`). The
tables' ``ci_method`` column and the printed headings say which.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from medlead.experiments.analysis.programme import (
    ProgrammeTable,
    format_programme,
    programme_table,
)
from medlead.experiments.analysis.stats import (
    METHODS,
    MeanCI,
    bootstrap_mean_ci,
    ci_method_note,
    paired_method_note,
    t_halfwidth,
)
from medlead.experiments.analysis.variants import has_variants
from medlead.experiments.engine.scenario import Scenario, parse_scenario
from medlead.experiments.engine.store import (
    StoreError,
    connect,
    read_manifest,
    write_csv_atomic,
)
from medlead.model.labels import display, is_bounded, plural
from medlead.model.labels import label as label_of
from medlead.model.labels import unit as unit_of

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "Comparison",
    "comparison",
    "curves_ci_figure",
    "format_comparison",
    "plot_curves_ci",
    "write_tables",
]


@dataclass
class Comparison:
    """Means with CIs per design point and paired differences from a baseline."""

    scenario: Scenario
    factors: list[str]
    outcomes: list[str]
    means: pd.DataFrame
    """One row per point and outcome: factor columns, outcome, unit, n, mean, ci_low,
    ci_high, ci_method (``bootstrap`` for shares and 0-1 scores, ``t`` otherwise)."""
    paired: pd.DataFrame | None
    """Same columns (and ``baseline``) for ``point - baseline`` on the same replications,
    or ``None``."""
    baseline: str | None
    ok: int
    failed: int
    programme: ProgrammeTable | None = None
    """Each point at the end of the programme, at week 156 and retention (up to
    :data:`PROGRAMME_POINTS` points; :mod:`medlead.experiments.analysis.programme`)."""


PROGRAMME_POINTS = 12
"""Largest sweep whose programme table is made (a column per point stays readable)."""


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _ci_rows(
    df: pd.DataFrame,
    keys: list[str],
    outcomes: list[str],
    raw: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per point and outcome; bounded outcomes bootstrapped from ``raw`` rows.

    ``raw`` holds one row per run (or per replication's paired difference) with its
    ``point``: resampling those rows is the bootstrap of a mean, or, for differences,
    the paired bootstrap.
    """
    rows = []
    for rec in df.to_dict("records"):
        for o in outcomes:
            n = int(rec[f"n__{o}"])
            mean = rec[f"mean__{o}"]
            mean = math.nan if mean is None or pd.isna(mean) else float(mean)
            sd = rec[f"sd__{o}"]
            sd = math.nan if sd is None or pd.isna(sd) else float(sd)
            h = t_halfwidth(sd, n)
            low, high, method = mean - h, mean + h, "t"
            if raw is not None and is_bounded(o):
                ci = bootstrap_mean_ci(raw.loc[raw["point"] == rec["point"], o])
                low, high, method = ci.low, ci.high, ci.method
            rows.append(
                {
                    **{k: rec[k] for k in keys},
                    "outcome": o,
                    "unit": unit_of(o),
                    "n": n,
                    "mean": mean,
                    "ci_low": low,
                    "ci_high": high,
                    "ci_method": method,
                }
            )
    return pd.DataFrame(rows)


def stored_scenario(root: str | Path) -> Scenario:
    """The scenario whose sweep folder ``root`` is (refusing a store of another design).

    Raises:
        StoreError: ``root`` holds the runs of another kind of design (a validation).
    """
    manifest = read_manifest(root)
    kind = manifest.get("design", {}).get("kind", "scenario")
    if kind != "scenario":
        raise StoreError(
            [
                f"{root} holds the runs of a {kind} design, not of a scenario sweep"
                + (
                    f": `medlead validate --store {root}` reads them"
                    if kind == "validation"
                    else ""
                )
            ]
        )
    return parse_scenario(manifest["scenario"]["text"], name=manifest["scenario"]["name"])


def comparison(
    root: str | Path, *, outcomes: list[str] | None = None, baseline: str | None = None
) -> Comparison:
    """Means with 95% CIs per point and paired differences from ``baseline`` (DuckDB).

    Args:
        root: a sweep folder.
        outcomes: summary keys to tabulate (default: the scenario's ``outcomes``).
        baseline: strategy for paired differences (default: the scenario's baseline;
            none when the sweep does not vary the strategy).
    """
    scenario = stored_scenario(root)
    outcomes = list(outcomes or scenario.spec.outcomes)
    factors = scenario.factor_names
    con = connect(root)
    counts = dict(con.execute("SELECT status, count(*) FROM runs GROUP BY status").fetchall())
    aggs = ", ".join(
        f"count({_q(o)}) AS {_q('n__' + o)}, avg({_q(o)}) AS {_q('mean__' + o)}, "
        f"stddev_samp({_q(o)}) AS {_q('sd__' + o)}"
        for o in outcomes
    )
    keys = ["point", *factors]
    group = ", ".join(_q(k) for k in keys)
    means_raw = con.execute(
        f"SELECT {group}, {aggs} FROM ok_runs GROUP BY {group} ORDER BY point"
    ).df()
    cols = ", ".join(_q(o) for o in outcomes)
    # Ordered by replication: a bootstrap resample picks rows by position, so the rows'
    # order must not depend on how DuckDB happened to read the parts.
    runs_raw = con.execute(f"SELECT point, {cols} FROM ok_runs ORDER BY point, rep").df()
    means = _ci_rows(means_raw, keys, outcomes, runs_raw)
    baseline = baseline if baseline is not None else scenario.baseline
    paired = None
    if baseline is not None and "strategy" in factors:
        others = [f for f in factors if f != "strategy"]
        on = " AND ".join(["a.rep = b.rep", *(f"a.{_q(f)} = b.{_q(f)}" for f in others)])
        diffs = ", ".join(f"a.{_q(o)} - b.{_q(o)} AS {_q(o)}" for o in outcomes)
        aggs_d = aggs
        sel = ", ".join([*(f"a.{_q(k)}" for k in keys), "a.rep AS rep"])
        with_d = (
            f"WITH d AS (SELECT {sel}, {diffs} FROM ok_runs a JOIN ok_runs b ON {on} "
            f"WHERE b.strategy = ? AND a.strategy <> ?) "
        )
        paired_raw = con.execute(
            f"{with_d}SELECT {group}, {aggs_d} FROM d GROUP BY {group} ORDER BY point",
            [baseline, baseline],
        ).df()
        diffs_raw = con.execute(
            f"{with_d}SELECT point, {cols} FROM d ORDER BY point, rep", [baseline, baseline]
        ).df()
        paired = _ci_rows(paired_raw, keys, outcomes, diffs_raw)
        if len(paired):
            paired.insert(len(keys), "baseline", baseline)
    programme = (
        programme_table(root, scenario, baseline)
        if len(scenario.points) <= PROGRAMME_POINTS and scenario.spec.sample is None
        else None
    )
    return Comparison(
        scenario=scenario,
        factors=factors,
        outcomes=outcomes,
        means=means,
        paired=paired,
        baseline=baseline,
        ok=int(counts.get("ok", 0)),
        failed=int(counts.get("failed", 0)),
        programme=programme,
    )


def _label(rec: dict[str, Any], factors: list[str]) -> str:
    if not factors:
        return "all runs"
    if len(factors) == 1:
        return str(rec[factors[0]])
    return ", ".join(f"{label_of(f).title.lower()} {rec[f]}" for f in factors)


def _grid(
    df: pd.DataFrame, factors: list[str], outcomes: list[str], signed: bool, weeks: int
) -> str:
    """Plain-text table: outcomes as rows and points as columns (or transposed if many)."""
    cells: dict[tuple[str, str], str] = {}
    labels: list[str] = []
    for rec in df.to_dict("records"):
        point = _label(rec, factors)
        if point not in labels:
            labels.append(point)
        ci = MeanCI(rec["mean"], rec["ci_low"], rec["ci_high"], rec["n"])
        cells[(point, display(rec["outcome"], weeks))] = ci.format(3, signed=signed)
    names = [display(o, weeks) for o in outcomes]
    if len(labels) <= 6:
        rows, cols, get = names, labels, lambda r, c: cells.get((c, r), "-")
        head = "outcome (unit)"
    else:
        rows, cols, get = labels, names, lambda r, c: cells.get((r, c), "-")
        head = ", ".join(label_of(f).title for f in factors) or "point"
    w0 = max(len(head), *(len(r) for r in rows))
    widths = [max(len(c), *(len(get(r, c)) for r in rows)) for c in cols]
    lines = [
        "  ".join(
            [head.ljust(w0), *(c.ljust(w) for c, w in zip(cols, widths, strict=True))]
        ).rstrip()
    ]
    for r in rows:
        vals = [get(r, c).ljust(w) for c, w in zip(cols, widths, strict=True)]
        lines.append("  ".join([r.ljust(w0), *vals]).rstrip())
    return "\n".join(lines)


def format_comparison(cmp: Comparison) -> str:
    """The comparison as plain text (fixed columns, readable in a terminal and in logs)."""
    sc = cmp.scenario
    p0 = sc.points[0].params
    reps = int(cmp.means["n"].max()) if len(cmp.means) else 0
    head = (
        f"{sc.name}: {plural(len(sc.points), 'point')} x {plural(sc.replications, 'replication')}"
        f", horizon {p0.weeks} weeks, withdrawal at week {p0.withdrawal_week}; "
        f"{plural(cmp.ok, 'run')} ok, {cmp.failed} failed"
    )
    if cmp.ok + cmp.failed < sc.n_runs:
        head += f" ({sc.n_runs - cmp.ok - cmp.failed} not yet run)"
    cis = (
        [
            MeanCI(0, 0, 0, int(n), m)
            for n, m in zip(cmp.means["n"], cmp.means["ci_method"], strict=True)
        ]
        if len(cmp.means)
        else []
    )
    note = ci_method_note(cis).removeprefix("95% CI: ")
    out = [
        head,
        "",
        f"mean [95% CI] over replications (up to {reps} per point; CI: {note})",
    ]
    out.append(_grid(cmp.means, cmp.factors, cmp.outcomes, signed=False, weeks=sc.weeks))
    if cmp.paired is not None and len(cmp.paired):
        methods = paired_method_note(cmp.paired.loc[cmp.paired["n"] > 1, "ci_method"])
        out += [
            "",
            f"paired difference from {cmp.baseline} (the baseline) on the same replications "
            f"(common random numbers): mean [95% CI: {methods}]",
            _grid(cmp.paired, cmp.factors, cmp.outcomes, signed=True, weeks=sc.weeks),
        ]
    if cmp.programme is not None:
        out += ["", format_programme(cmp.programme)]
    return "\n".join(out)


def write_tables(root: str | Path, cmp: Comparison, *, out: str | Path | None = None) -> list[Path]:
    """Export ``runs.csv`` (every run, no timing), ``table.csv``, ``paired.csv`` and
    ``programme.csv`` (the programme table, when there is one).
    """
    from medlead.experiments.engine.store import runs_frame

    dest = Path(out) if out is not None else Path(root)
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    runs = runs_frame(root)
    programme = cmp.programme.rows if cmp.programme is not None else None
    tables = (
        ("runs.csv", runs),
        ("table.csv", cmp.means),
        ("paired.csv", cmp.paired),
        ("programme.csv", programme),
    )
    for name, df in tables:
        if df is None:
            continue
        written.append(write_csv_atomic(dest / name, df))
    return written


STYLES = ("-", "--", "-.", ":", (0, (5, 1, 1, 1)), (0, (3, 1, 1, 1, 1, 1)))
MARKERS = ("o", "^", "s", "D", "v", "P")


def plot_curves_ci(root: str | Path, path: str | Path | None = None) -> Path | None:
    """Save :func:`curves_ci_figure` as ``path`` (default ``root/curves.png``).

    Returns the PNG's path, or ``None`` when no series are stored.
    """
    fig = curves_ci_figure(root)
    if fig is None:
        return None
    dest = Path(path) if path is not None else Path(root) / "curves.png"
    tmp = dest.with_name(dest.name + ".tmp")
    fig.savefig(tmp, format="png")
    tmp.replace(dest)
    return dest


SMALL_MULTIPLES_FROM = len(STYLES) + 1
"""Points from which a sweep's curves are drawn as small multiples, one panel per point:
beyond as many points as line styles, overlaid curves cannot be told apart."""


def _curve_bands(
    ts: pd.DataFrame, series: list[str]
) -> dict[tuple[int, str], tuple[np.ndarray, ...]]:
    """``(point, series) → (weeks, mean, low, high, n)`` over the replications of a point.

    A share's band is the bootstrap percentile interval of each week's mean (inside
    [0, 1]; every week resampled with the same replications), any other series' the
    Student-t interval; only replications with every week stored are used.
    """
    from medlead.experiments.analysis.stats import bootstrap_bounds

    out = {}
    for p, d in ts.groupby("point"):
        for col in series:
            m = d.pivot_table(index="week", columns="rep", values=col).dropna(axis=1)
            x = m.to_numpy(float)
            n = x.shape[1]
            mean = x.mean(axis=1)
            if n < 2:
                lo = hi = np.full_like(mean, np.nan)
            elif is_bounded(col):
                lo, hi = bootstrap_bounds(x)
            else:
                h = t_halfwidth(1.0, n) * x.std(axis=1, ddof=1)
                lo, hi = mean - h, mean + h
            out[(int(p), col)] = (m.index.to_numpy(float), mean, lo, hi, n)
    return out


def _shape(scenario: Scenario, n_points: int) -> tuple[int, int]:
    """Rows and columns of the small multiples: the last varied factor across a row."""
    varied = [f for f in scenario.factor_names if len(scenario.spec.factors.get(f, [])) > 1]
    if scenario.spec.design == "grid" and scenario.spec.sample is None and varied:
        ncol = len(scenario.spec.factors[varied[-1]])
        if n_points % ncol == 0 and ncol <= 6:
            return n_points // ncol, ncol
    ncol = min(6, math.ceil(math.sqrt(n_points)))
    return math.ceil(n_points / ncol), ncol


def _variant_curves(
    scenario: Scenario, bands: dict[tuple[int, str], tuple[np.ndarray, ...]], col: str
) -> Figure:
    """One panel per strategy: every variant's mean in grey, the few that matter drawn out.

    Dozens of variants (structural forms, ablations) of each strategy cannot be told
    apart overlaid, and a panel each is too small to read; what a reader needs is whether
    the variants agree. So each variant is a thin grey line, and three are drawn out with
    their 95% CI band: the model's default variant (the reference) and the variants
    lowest and highest at the horizon.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from medlead.experiments.analysis.figures import OKABE_ITO
    from medlead.experiments.analysis.variants import reference_variant, variant_label

    ref = reference_variant(scenario)
    strategies = list(dict.fromkeys(str(pt.factors["strategy"]) for pt in scenario.points))
    lab = label_of(col, scenario.weeks)
    w = scenario.points[0].params.withdrawal_week
    ncol = min(2, len(strategies))
    nrow = math.ceil(len(strategies) / ncol)
    fig = Figure(figsize=(6.2 * ncol, 3.6 * nrow + 0.6), dpi=130, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(nrow, ncol, squeeze=False, sharex=True, sharey=True).ravel()
    c = list(OKABE_ITO.values())
    n_variants = 0
    for ax, strategy in zip(axes, strategies, strict=False):
        pts = [
            (i, {k: v for k, v in pt.factors.items() if k != "strategy"})
            for i, pt in enumerate(scenario.points)
            if str(pt.factors["strategy"]) == strategy and (i, col) in bands
        ]
        n_variants = max(n_variants, len(pts))
        for i, _ in pts:
            wk, m = bands[(i, col)][:2]
            ax.plot(wk, m, color="0.75", linewidth=0.8, label="_variant")
        final = {i: bands[(i, col)][1][-1] for i, _ in pts}
        ref_i = next((i for i, v in pts if v == ref), None)
        low, high = min(final, key=final.get), max(final, key=final.get)
        drawn = [(ref_i, "default", "black", "-")] if ref_i is not None else []
        drawn += [(low, "lowest at the horizon", c[5 % len(c)], "--")]
        drawn += [(high, "highest at the horizon", c[3 % len(c)], "-.")]
        for i, role, colour, style in drawn:
            wk, m, lo, hi, _ = bands[(i, col)]
            name = variant_label(scenario, dict(pts)[i])
            ax.plot(wk, m, color=colour, linestyle=style, linewidth=1.8, label=f"{role}: {name}")
            ax.fill_between(wk, lo, hi, color=colour, alpha=0.15, linewidth=0)
        ax.plot([], [], color="0.75", linewidth=0.8, label=f"each of the {len(pts)} variants")
        if w <= scenario.weeks:
            ax.axvline(
                w,
                color="black",
                linewidth=1.0,
                linestyle=(0, (1, 1)),
                label=f"withdrawal (week {w})",
            )
        ax.set_title(f"strategy {strategy}", fontsize=10)
        ax.set_xlabel("week")
        ax.set_ylabel(lab.unit or lab.title)
        if lab.bounded:
            ax.set_ylim(-0.02, 1.02)
        ax.grid(True, color="0.9")
        ax.legend(fontsize=7, frameon=False, loc="upper left")
    for ax in axes[len(strategies) :]:
        ax.set_visible(False)
    counts = [b[4] for b in bands.values()]
    n_min, n_max = min(counts), max(counts)
    n = plural(n_min, "replication") if n_min == n_max else f"{n_min} to {n_max} replications"
    method = METHODS["bootstrap"] if lab.bounded else METHODS["t"]
    fig.suptitle(
        f"{scenario.name}: {lab.title} in each of {n_variants} variants per strategy\n"
        f"weekly mean over n = {n} per variant; band: 95% CI ({method})",
        fontsize=10,
    )
    return fig


def curves_ci_figure(root: str | Path) -> Figure | None:
    """Weekly means with 95% CI bands: overlaid per series, or small multiples per point.

    A sweep of structural variants or ablations is drawn by :func:`_variant_curves`.

    Up to six points: one panel per stored weekly series, one curve per point, colour
    (Okabe-Ito), line style and marker all differing between points, so curves read in
    greyscale. More points (a sweep over a grid) cannot be read overlaid, so each point
    gets its own small panel, the series in it told apart by colour and line style, with
    the same axes in every panel; rows and columns follow the grid's factors. Either way
    the legend explains every line (and the withdrawal line), and the caption gives n and
    the interval's method. ``None`` when no series are stored.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from medlead.experiments.analysis.figures import OKABE_ITO

    scenario = stored_scenario(root)
    series = list(scenario.spec.timeseries)
    factors = scenario.factor_names
    con = connect(root)
    if not series or con.execute("SELECT count(*) FROM timeseries").fetchone()[0] == 0:
        return None
    # A folder written before a default series was added holds only the older columns.
    stored = {row[0] for row in con.execute("DESCRIBE SELECT * FROM timeseries").fetchall()}
    series = [c for c in series if c in stored]
    if not series:
        return None
    cols = ", ".join(f"t.{_q(c)}" for c in series)
    ts = con.execute(
        f"SELECT t.point, t.rep, t.week, {cols} FROM timeseries t "
        "JOIN ok_runs r ON t.point = r.point AND t.rep = r.rep"
    ).df()
    if not len(ts):
        return None
    if has_variants(scenario):
        ts = ts[["point", "rep", "week", series[0]]]
        return _variant_curves(scenario, _curve_bands(ts, series[:1]), series[0])
    bands = _curve_bands(ts, series)
    points = sorted({p for p, _ in bands})
    colours = list(OKABE_ITO.values())
    weeks, w = scenario.weeks, scenario.points[0].params.withdrawal_week
    small = len(points) >= SMALL_MULTIPLES_FROM

    def draw(ax, key: tuple[int, str], k: int, label: str, thin: bool = False) -> None:
        wk, m, lo, hi, _ = bands[key]
        c = colours[k % len(colours)]
        ax.plot(
            wk,
            m,
            color=c,
            linestyle=STYLES[k % len(STYLES)],
            marker=None if thin else MARKERS[k % len(MARKERS)],
            markevery=max(1, len(wk) // 10),
            markersize=4,
            linewidth=1.2 if thin else 1.8,
            label=label,
        )
        ax.fill_between(wk, lo, hi, color=c, alpha=0.2, linewidth=0)

    def finish(ax, ylabel: str, bounded: bool, title: str, size: float) -> None:
        if w <= weeks:
            ax.axvline(
                w,
                color="black",
                linewidth=1.0,
                linestyle=(0, (1, 1)),
                label=f"withdrawal (week {w})",
            )
        ax.set_title(title, fontsize=size)
        ax.set_xlabel("week", fontsize=size)
        ax.set_ylabel(ylabel, fontsize=size)
        ax.tick_params(labelsize=size - 1)
        if bounded:
            ax.set_ylim(-0.02, 1.02)
        ax.grid(True, color="0.9")

    if small:
        nrow, ncol = _shape(scenario, len(points))
        fig = Figure(figsize=(2.6 * ncol + 2.4, 2.0 * nrow + 0.8), dpi=110, layout="constrained")
        FigureCanvasAgg(fig)
        axes = fig.subplots(nrow, ncol, squeeze=False, sharex=True, sharey=True).ravel()
        labs = [label_of(c, weeks) for c in series]
        units = {lab.unit for lab in labs}
        one_unit = len(units) == 1 and "" not in units
        if one_unit:
            ylabel = units.pop()
        else:  # the legend names each series' unit
            ylabel = "share (of what: legend)" if all(b.bounded for b in labs) else "value"
        for ax, p in zip(axes, points, strict=False):
            for k, col in enumerate(series):
                draw(ax, (p, col), k, labs[k].title if one_unit else labs[k].display, thin=True)
            pt = scenario.points[int(p)]
            finish(ax, ylabel, all(lab.bounded for lab in labs), _label(pt.factors, factors), 7)
        for ax in axes[len(points) :]:
            ax.set_visible(False)
        legend_title = "series (same in every panel)"
    else:
        ncol = min(2, len(series))
        nrow = math.ceil(len(series) / ncol)
        fig = Figure(figsize=(6.0 * ncol + 2.2, 3.4 * nrow), dpi=130, layout="constrained")
        FigureCanvasAgg(fig)
        axes = fig.subplots(nrow, ncol, squeeze=False).ravel()
        for ax, col in zip(axes, series, strict=False):
            for k, p in enumerate(points):
                draw(ax, (p, col), k, _label(scenario.points[int(p)].factors, factors))
            lab = label_of(col, weeks)
            finish(ax, lab.unit or lab.title, lab.bounded, lab.title, 10)
        for ax in axes[len(series) :]:
            ax.set_visible(False)
        legend_title = ", ".join(label_of(f).title for f in factors) or None
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(
        handles, labels, loc="outside right upper", fontsize=8, frameon=False, title=legend_title
    )
    counts = [bands[key][4] for key in bands]
    n_min, n_max = min(counts), max(counts)
    n = plural(n_min, "replication") if n_min == n_max else f"{n_min} to {n_max} replications"
    bounded = [is_bounded(c) for c in series]
    method = (
        METHODS["bootstrap"]
        if all(bounded)
        else METHODS["t"]
        if not any(bounded)
        else f"{METHODS['bootstrap']} for shares, {METHODS['t']} otherwise"
    )
    layout = f"one panel per point ({len(points)} points)\n" if small else ""
    fig.suptitle(
        f"{scenario.name}: {layout}weekly mean over n = {n} per point, band: 95% CI ({method})",
        fontsize=10,
    )
    return fig
