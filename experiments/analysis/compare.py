"""The comparison table and curves of a sweep folder (``medlead compare`` and ``report``).

The table gives, for each design point (e.g. each strategy), the mean of each outcome
over replications with its 95% confidence interval; then the *paired* differences from
the baseline strategy on the same replications (common random numbers: same hospital,
same draws as far as the mechanisms allow). Aggregation runs in DuckDB over the store's
Parquet parts. The interval of a mean share (or 0-1 score) is a bootstrap percentile
interval, which stays inside [0, 1]; other means and the paired differences get
Student-t intervals (:mod:`medlead.experiments.analysis.stats`); the table's ``ci_method``
column and the printed heading say which.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from medlead.experiments.analysis.stats import (
    METHODS,
    MeanCI,
    bootstrap_mean_ci,
    ci_method_note,
    t_halfwidth,
)
from medlead.experiments.engine.scenario import Scenario, parse_scenario
from medlead.experiments.engine.store import (
    StoreError,
    connect,
    read_manifest,
    write_csv_atomic,
)
from medlead.model.labels import display, is_bounded, plural
from medlead.model.labels import label as label_of

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
    """One row per point and outcome: factor columns, outcome, n, mean, ci_low, ci_high,
    ci_method (``bootstrap`` for shares and 0-1 scores, ``t`` otherwise)."""
    paired: pd.DataFrame | None
    """Same columns for ``point - baseline`` on the same replications, or ``None``."""
    baseline: str | None
    ok: int
    failed: int


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _ci_rows(
    df: pd.DataFrame,
    keys: list[str],
    outcomes: list[str],
    raw: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per point and outcome; bounded outcomes bootstrapped from ``raw`` runs."""
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
    runs_raw = con.execute(f"SELECT point, {cols} FROM ok_runs").df()
    means = _ci_rows(means_raw, keys, outcomes, runs_raw)
    baseline = baseline if baseline is not None else scenario.baseline
    paired = None
    if baseline is not None and "strategy" in factors:
        others = [f for f in factors if f != "strategy"]
        on = " AND ".join(["a.rep = b.rep", *(f"a.{_q(f)} = b.{_q(f)}" for f in others)])
        diffs = ", ".join(f"a.{_q(o)} - b.{_q(o)} AS {_q(o)}" for o in outcomes)
        aggs_d = aggs
        sel = ", ".join(f"a.{_q(k)}" for k in keys)
        paired_raw = con.execute(
            f"WITH d AS (SELECT {sel}, {diffs} FROM ok_runs a JOIN ok_runs b ON {on} "
            f"WHERE b.strategy = ? AND a.strategy <> ?) "
            f"SELECT {group}, {aggs_d} FROM d GROUP BY {group} ORDER BY point",
            [baseline, baseline],
        ).df()
        paired = _ci_rows(paired_raw, keys, outcomes)
        if len(paired):
            paired.insert(len(keys), "baseline", baseline)
    return Comparison(
        scenario=scenario,
        factors=factors,
        outcomes=outcomes,
        means=means,
        paired=paired,
        baseline=baseline,
        ok=int(counts.get("ok", 0)),
        failed=int(counts.get("failed", 0)),
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
        out += [
            "",
            f"paired difference from {cmp.baseline} (the baseline) on the same replications "
            f"(common random numbers): mean [95% CI: {METHODS['t']}]",
            _grid(cmp.paired, cmp.factors, cmp.outcomes, signed=True, weeks=sc.weeks),
        ]
    return "\n".join(out)


def write_tables(root: str | Path, cmp: Comparison, *, out: str | Path | None = None) -> list[Path]:
    """Export ``runs.csv`` (every run, no timing), ``table.csv`` and ``paired.csv``."""
    from medlead.experiments.engine.store import runs_frame

    dest = Path(out) if out is not None else Path(root)
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    runs = runs_frame(root)
    for name, df in (("runs.csv", runs), ("table.csv", cmp.means), ("paired.csv", cmp.paired)):
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


def curves_ci_figure(root: str | Path) -> Figure | None:
    """Weekly means with 95% CI bands per point, one panel per stored weekly series.

    Colour (Okabe-Ito), line style and marker all differ between points, so curves read
    in greyscale; the legend names the points and the withdrawal line, the caption n and
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
    aggs = ", ".join(
        f"avg(t.{_q(c)}) AS {_q('m__' + c)}, stddev_samp(t.{_q(c)}) AS {_q('s__' + c)}, "
        f"count(t.{_q(c)}) AS {_q('n__' + c)}"
        for c in series
    )
    df = con.execute(
        f"SELECT t.point, t.week, {aggs} FROM timeseries t GROUP BY t.point, t.week "
        "ORDER BY t.point, t.week"
    ).df()
    colours = list(OKABE_ITO.values())
    ncol = min(2, len(series))
    nrow = math.ceil(len(series) / ncol)
    fig = Figure(figsize=(6.0 * ncol + 2.2, 3.4 * nrow), dpi=130, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(nrow, ncol, squeeze=False).ravel()
    points = sorted(df["point"].unique())
    for ax, col in zip(axes, series, strict=False):
        for k, p in enumerate(points):
            d = df[df["point"] == p]
            wk = d["week"].to_numpy(float)
            m = d[f"m__{col}"].to_numpy(float)
            h = [
                t_halfwidth(s, int(n)) for s, n in zip(d[f"s__{col}"], d[f"n__{col}"], strict=True)
            ]
            pt = scenario.points[int(p)]
            label = _label(pt.factors, factors)
            c = colours[k % len(colours)]
            ax.plot(
                wk,
                m,
                color=c,
                linestyle=STYLES[k % len(STYLES)],
                marker=MARKERS[k % len(MARKERS)],
                markevery=max(1, len(wk) // 10),
                markersize=4,
                linewidth=1.8,
                label=label,
            )
            ax.fill_between(wk, m - h, m + h, color=c, alpha=0.2, linewidth=0)
        w = scenario.points[0].params.withdrawal_week
        if w <= scenario.weeks:
            ax.axvline(
                w,
                color="black",
                linewidth=1.0,
                linestyle=(0, (1, 1)),
                label=f"withdrawal (week {w})",
            )
        lab = label_of(col, scenario.weeks)
        ax.set_title(lab.title, fontsize=10)
        ax.set_xlabel("week")
        ax.set_ylabel(lab.unit or lab.title)
        if lab.bounded:
            ax.set_ylim(-0.02, 1.02)
        ax.grid(True, color="0.9")
    for ax in axes[len(series) :]:
        ax.set_visible(False)
    handles, labels = axes[0].get_legend_handles_labels()
    title = ", ".join(label_of(f).title for f in factors) or None
    fig.legend(handles, labels, loc="outside right upper", fontsize=8, frameon=False, title=title)
    counts = df[[f"n__{c}" for c in series]]
    n_min, n_max = int(counts.min().min()), int(counts.max().max())
    n = plural(n_min, "replication") if n_min == n_max else f"{n_min} to {n_max} replications"
    fig.suptitle(
        f"{scenario.name}: weekly mean over n = {n} per point, band: 95% CI ({METHODS['t']})",
        fontsize=10,
    )
    return fig
