"""Figures for analysis: phase diagrams, sensitivity bars, distributions across Trusts.

Every function takes tidy data (one row per run or per factor), draws with matplotlib's
object API (no global state, safe in workers), and saves PNG and SVG side by side.
Colour scales are colour-blind safe (cividis; Okabe–Ito for categories).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from medlead.model.labels import axis_label
from medlead.model.labels import label as label_of
from medlead.model.params import Params

__all__ = [
    "OKABE_ITO",
    "curves_figure",
    "distribution",
    "phase_diagram",
    "plot_curves",
    "save",
    "sensitivity_bars",
]

# Okabe & Ito (2008) colour-blind-safe palette.
OKABE_ITO = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "sky": "#56B4E9",
    "purple": "#CC79A7",
    "yellow": "#F0E442",
    "black": "#000000",
}


def _figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), dpi=130, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def save(fig: Figure, path: str | Path) -> list[Path]:
    """Save ``fig`` as ``path`` with suffixes .png and .svg (atomically); return both."""
    base = Path(path).with_suffix("")
    out = []
    for ext in ("png", "svg"):
        dest = base.with_suffix(f".{ext}")
        tmp = dest.with_name(dest.name + ".tmp")
        fig.savefig(tmp, format=ext)
        tmp.replace(dest)
        out.append(dest)
    return out


def phase_diagram(
    runs: pd.DataFrame,
    x: str,
    y: str,
    outcome: str,
    *,
    panel: str | None = None,
    title: str = "",
    vmin: float = 0.0,
    vmax: float = 1.0,
) -> Figure:
    """Mean ``outcome`` over replications on the grid ``x`` × ``y`` (one panel per ``panel``).

    Cells carry their mean as text, so the diagram reads without the colour bar.
    """
    panels = [None] if panel is None else sorted(runs[panel].unique())
    fig = _figure(4.2 * len(panels) + 1.0, 3.8)
    axes = np.atleast_1d(fig.subplots(1, len(panels), squeeze=False).ravel())
    image = None
    for ax, pv in zip(axes, panels, strict=True):
        d = runs if pv is None else runs[runs[panel] == pv]
        grid = d.groupby([y, x])[outcome].mean().unstack(x)
        image = ax.imshow(
            grid.to_numpy(float),
            origin="lower",
            cmap="cividis",
            vmin=vmin,
            vmax=vmax,
            aspect="auto",
        )
        ax.set_xticks(range(grid.shape[1]), [f"{v:g}" for v in grid.columns])
        ax.set_yticks(range(grid.shape[0]), [f"{v:g}" for v in grid.index])
        ax.set_xlabel(axis_label(x))
        ax.set_ylabel(axis_label(y))
        for (i, j), v in np.ndenumerate(grid.to_numpy(float)):
            if np.isfinite(v):
                ax.text(
                    j,
                    i,
                    f"{v:.2f}",
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="black" if v > (vmin + vmax) / 2 else "white",
                )
        if pv is not None:
            ax.set_title(f"{label_of(panel).title} = {pv}", fontsize=10)
    n = int(runs.groupby([y, x])[outcome].count().min()) if len(runs) else 0
    fig.colorbar(
        image,
        ax=list(axes),
        label=f"{axis_label(outcome)}: mean, n ≥ {n} runs a cell" if n else axis_label(outcome),
        shrink=0.9,
    )
    if title:
        fig.suptitle(title, fontsize=11)
    return fig


def sensitivity_bars(indices: pd.DataFrame, *, title: str = "") -> Figure:
    """Sobol S1 and ST (or Morris mu*) per factor with their 95% CIs, largest first."""
    if "ST" in indices:
        cols = [("ST", "total (ST)"), ("S1", "first order (S1)")]
        order = indices.sort_values("ST", ascending=True)
    else:
        cols = [("mu_star", "Morris mu*")]
        order = indices.sort_values("mu_star", ascending=True)
    fig = _figure(7.0, 0.35 * len(order) + 1.6)
    ax = fig.subplots()
    y = np.arange(len(order))
    h = 0.8 / len(cols)
    colours = [OKABE_ITO["blue"], OKABE_ITO["orange"]]
    hatches = ["", "//"]
    for k, (col, label) in enumerate(cols):
        v = order[col].to_numpy(float)
        err = np.vstack([v - order[f"{col}_lo"], order[f"{col}_hi"] - v]).clip(0)
        ax.barh(
            y + (k - (len(cols) - 1) / 2) * h,
            v,
            height=h,
            xerr=err,
            label=label,
            color=colours[k],
            hatch=hatches[k],
            edgecolor="black",
            linewidth=0.4,
            error_kw={"elinewidth": 0.8, "capsize": 2},
        )
    ax.set_yticks(y, [axis_label(f) for f in order["factor"]])
    ax.axvline(0, color="black", linewidth=0.6)
    ax.set_xlabel("sensitivity index (95% bootstrap CI)")
    ax.set_ylabel("parameter")
    ax.legend(frameon=False, loc="lower right")
    if title:
        ax.set_title(title, fontsize=11)
    return fig


def distribution(runs: pd.DataFrame, by: str, outcome: str, *, title: str = "") -> Figure:
    """Distribution of ``outcome`` across runs (e.g. generated Trusts) for each ``by`` value.

    Violins with every run as a jittered dot: spread across Trusts is the point, so the
    raw values stay visible.
    """
    groups = sorted(runs[by].dropna().unique(), key=str)
    fig = _figure(max(4.0, 1.6 * len(groups) + 1.5), 3.8)
    ax = fig.subplots()
    data = [runs.loc[runs[by] == g, outcome].dropna().to_numpy(float) for g in groups]
    keep = [i for i, d in enumerate(data) if d.size > 1]
    if keep:
        parts = ax.violinplot([data[i] for i in keep], positions=keep, showmedians=True)
        for body in parts["bodies"]:
            body.set_facecolor(OKABE_ITO["sky"])
            body.set_alpha(0.5)
    rng = np.random.default_rng(0)  # jitter only: not a model stream
    for i, d in enumerate(data):
        ax.scatter(i + rng.uniform(-0.12, 0.12, d.size), d, s=10, color="black", alpha=0.6)
    ax.set_xticks(range(len(groups)), [str(g) for g in groups])
    ax.set_xlabel(axis_label(by))
    ax.set_ylabel(axis_label(outcome))
    ax.grid(True, axis="y", color="0.9")
    if title:
        ax.set_title(title, fontsize=11)
    return fig


def plot_curves(
    df: pd.DataFrame, params: Params, path: str | Path, *, title: str | None = None
) -> None:
    """Save :func:`curves_figure` of one run's weekly table as a PNG at ``path``."""
    curves_figure(df, params, title=title).savefig(path, format="png")


def curves_figure(df: pd.DataFrame, params: Params, *, title: str | None = None) -> Figure:
    """Committed, compliant, practising and microsystems improved over time (one run).

    Compliance and commitment differ by line style and marker shape as well as colour
    (Okabe-Ito palette), so the figure reads in greyscale and for colour-blind viewers.
    The intervention period is shaded and the withdrawal week marked.
    """
    fig = Figure(figsize=(8.5, 4.8), dpi=150, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    weeks = df["week"].to_numpy()
    last = int(weeks[-1]) if len(weeks) else 0
    every = max(1, len(weeks) // 12)
    series = (
        ("committed_share", "committed (commitment)", OKABE_ITO["blue"], "-", "o"),
        ("compliant_share", "compliant (compliance)", OKABE_ITO["orange"], "--", "^"),
        ("practising_share", "practising", OKABE_ITO["green"], "-.", "s"),
        ("microsystems_improved_share", "microsystems improved", OKABE_ITO["vermillion"], ":", "D"),
    )
    for col, label, colour, style, marker in series:
        ax.plot(
            weeks,
            df[col].to_numpy(dtype=float),
            color=colour,
            linestyle=style,
            linewidth=2.0,
            marker=marker,
            markevery=every,
            markersize=5,
            markerfacecolor="white" if col == "compliant_share" else colour,
            label=label,
        )
    if params.strategy != "none" and params.intervention_start < last:
        end = min(params.withdrawal_week, last)
        ax.axvspan(
            params.intervention_start,
            end,
            color="0.85",
            alpha=0.6,
            zorder=0,
            label=f"intervention ({params.strategy})",
        )
        if params.withdrawal_week <= last:
            ax.axvline(
                params.withdrawal_week,
                color="black",
                linewidth=1.2,
                linestyle=(0, (1, 1)),
                label=f"withdrawal (week {params.withdrawal_week})",
            )
            ax.annotate(
                f"withdrawal (week {params.withdrawal_week})",
                xy=(params.withdrawal_week, 1.0),
                xytext=(4, -4),
                textcoords="offset points",
                va="top",
                fontsize=8,
            )
    ax.set_xlim(0, max(last, 1))
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("week")
    ax.set_ylabel("share (staff: clinical; improved: microsystems)")
    ax.grid(True, color="0.9")
    ax.set_title(title or f"strategy {params.strategy}", fontsize=10)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    return fig
