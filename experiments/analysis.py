"""Analysis of a sweep folder: sensitivity indices and the Markdown report.

``medlead report DIR`` and ``medlead sensitivity`` call these. Everything reads the
store (Parquet parts via DuckDB) and the scenario recorded in the folder's manifest, so a
report can be rebuilt at any time from the results alone.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from medlead.experiments import figures
from medlead.experiments.compare import Comparison, comparison, plot_curves_ci
from medlead.experiments.effects import compare_paired, replications_needed
from medlead.experiments.scenario import (
    PRESET_FACTOR,
    PSEUDO_FACTORS,
    Scenario,
    parse_scenario,
    sample_matrix,
    sample_problem,
)
from medlead.experiments.sensitivity import analyse, convergence
from medlead.experiments.store import read_manifest, runs_frame

__all__ = [
    "effect_table",
    "grid_factors",
    "load_folder_scenario",
    "sensitivity_tables",
    "write_report",
]


def load_folder_scenario(root: str | Path) -> Scenario:
    """The scenario a sweep folder was made with (from its manifest)."""
    manifest = read_manifest(root)
    return parse_scenario(manifest["scenario"]["text"], name=manifest["scenario"]["name"])


def grid_factors(scenario: Scenario) -> list[str]:
    """Factors of the grid (those not drawn by a ``[sample]`` design)."""
    return list(scenario.spec.factors)


# --------------------------------------------------------------------------- effects
def effect_table(
    runs: pd.DataFrame, scenario: Scenario, outcomes: Iterable[str], baseline: str
) -> pd.DataFrame:
    """Paired effects of each strategy against ``baseline`` on the same replications.

    One row per (other grid factors, strategy, outcome): mean paired difference with
    its 95% CI, Vargha–Delaney A, Hedges' g and the paired d_z.
    """
    ok = runs[runs["status"] == "ok"]
    others = [f for f in grid_factors(scenario) if f != "strategy"]
    rows = []
    groups = ok.groupby(others, dropna=False) if others else [((), ok)]
    for key, g in groups:
        key = key if isinstance(key, tuple) else (key,)
        base = g[g["strategy"] == baseline].set_index("rep")
        for strat in sorted(set(g["strategy"]) - {baseline}):
            other = g[g["strategy"] == strat].set_index("rep")
            reps = base.index.intersection(other.index)
            for o in outcomes:
                eff = compare_paired(
                    other.loc[reps, o].to_numpy(float), base.loc[reps, o].to_numpy(float)
                )
                rows.append(
                    {
                        **dict(zip(others, key, strict=False)),
                        "strategy": strat,
                        "against": baseline,
                        "outcome": o,
                        "n": eff.difference.n,
                        "difference": eff.difference.mean,
                        "ci_low": eff.difference.low,
                        "ci_high": eff.difference.high,
                        "vargha_delaney_a": eff.a,
                        "hedges_g": eff.g,
                        "d_z": eff.dz,
                    }
                )
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------- sensitivity
def sensitivity_tables(
    root: str | Path, outcome: str = "sustained_practising_share"
) -> dict[str, pd.DataFrame]:
    """Indices for each grid combination of a sweep with a ``[sample]`` design.

    Outcomes are averaged over replications per design point first (replications per
    sample), then analysed in design order. Sobol gives S1/ST with bootstrap CIs and a
    convergence table (``df.attrs["convergence"]``); Morris gives mu*; an LHS design
    gives Spearman rank correlations of each parameter with the outcome.

    Returns:
        grid label (e.g. ``strategy=persuasion``) → indices table.
    """
    scenario = load_folder_scenario(root)
    spec = scenario.spec
    if spec.sample is None:
        raise ValueError(f"{root}: the scenario has no [sample] design to analyse")
    problem = sample_problem(spec)
    X = sample_matrix(spec)
    runs = runs_frame(root)
    ok = runs[runs["status"] == "ok"]
    means = ok.groupby("point")[outcome].mean()
    size = scenario.sample_size
    n_grid = len(scenario.points) // size
    out: dict[str, pd.DataFrame] = {}
    for g in range(n_grid):
        pts = np.arange(g * size, (g + 1) * size)
        if not set(pts) <= set(means.index):
            missing = len(set(pts) - set(means.index))
            raise ValueError(f"{root}: {missing} design points have no successful run yet")
        Y = means.loc[pts].to_numpy(float)
        label = (
            ", ".join(
                f"{f}={scenario.points[int(pts[0])].factors[f]}" for f in grid_factors(scenario)
            )
            or "all"
        )
        if spec.sample.method == "lhs":
            rho = [spearmanr(X[:, j], Y).statistic for j in range(X.shape[1])]
            df = pd.DataFrame({"factor": list(problem.names), "spearman_rho": rho})
        else:
            df = analyse(problem, spec.sample.method, X, Y, seed=spec.seed % 2**32)
            if spec.sample.method == "sobol":
                df.attrs["convergence"] = convergence(problem, X, Y, seed=spec.seed % 2**32)
        out[label] = df
    return out


# ---------------------------------------------------------------------------- report
def _md_table(df: pd.DataFrame, digits: int = 3) -> str:
    def fmt(v: object) -> str:
        if isinstance(v, float):
            return "–" if math.isnan(v) else f"{v:.{digits}f}"
        return str(v)

    head = "| " + " | ".join(df.columns) + " |"
    sep = "| " + " | ".join("---" for _ in df.columns) + " |"
    body = ["| " + " | ".join(fmt(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join([head, sep, *body])


def _means_wide(cmp: Comparison) -> pd.DataFrame:
    df = cmp.means.copy()
    df["value"] = [
        "–"
        if not np.isfinite(m)
        else f"{m:.3f} [{lo:.3f}, {hi:.3f}]"
        if np.isfinite(lo)
        else f"{m:.3f}"
        for m, lo, hi in zip(df["mean"], df["ci_low"], df["ci_high"], strict=True)
    ]
    keys = cmp.factors or ["point"]
    wide = df.pivot_table(index=keys, columns="outcome", values="value", aggfunc="first")
    return wide[[o for o in cmp.outcomes if o in wide.columns]].reset_index()


def _numeric(scenario: Scenario, f: str) -> bool:
    return f not in PSEUDO_FACTORS and all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in scenario.spec.factors[f]
    )


def write_report(root: str | Path, *, out: str | Path | None = None) -> Path:
    """Write ``report.md`` (and its figures) for a sweep folder; return the report's path.

    Contents: what was run (scenario, seed, model version, runs), means with 95% CIs,
    paired effects against the baseline (difference with CI, Vargha–Delaney A, Hedges'
    g), how many replications would give ±0.02 intervals, curves with CI bands, a phase
    diagram when two numeric factors form a grid, the distribution of outcomes across
    generated Trusts, and sensitivity indices when the design was sampled.
    """
    root = Path(root)
    dest = Path(out) if out is not None else root / "report.md"
    img = dest.parent / "figures"
    img.mkdir(parents=True, exist_ok=True)
    manifest = read_manifest(root)
    scenario = load_folder_scenario(root)
    cmp = comparison(root)
    runs = runs_frame(root)
    ok = runs[runs["status"] == "ok"]
    rel = lambda p: Path(p).relative_to(dest.parent).as_posix()  # noqa: E731
    preset_text = (
        "varied (a factor)"
        if PRESET_FACTOR in scenario.spec.factors
        else f"`{scenario.spec.preset}`"
    )
    lines = [
        f"# {scenario.name}",
        "",
        scenario.spec.description or "",
        "",
        f"- preset {preset_text}, {len(scenario.points)} design points × "
        f"{scenario.replications} replications, root seed {scenario.seed} "
        f"({manifest.get('seed', {}).get('scheme', 'replication-keyed SeedSequence')})",
        f"- runs: {cmp.ok} ok, {cmp.failed} failed; model version "
        f"{manifest.get('model_version', '?')}",
        f"- report written {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')} by "
        f"`medlead report {root}`",
        "",
    ]
    grid = grid_factors(scenario)
    show_means = scenario.spec.sample is None and len(scenario.points) <= 40
    if show_means:
        lines += [
            "## Outcomes: mean [95% CI] over replications",
            "",
            _md_table(_means_wide(cmp)),
            "",
        ]
    if "strategy" in grid and cmp.baseline is not None and scenario.spec.sample is None:
        eff = effect_table(ok, scenario, cmp.outcomes[:3], cmp.baseline)
        if len(eff):
            lines += [
                f"## Paired effects against `{cmp.baseline}` (same replications)",
                "",
                "Difference of means with 95% CI; Vargha–Delaney A (0.5 = no difference; "
                "0.71 = large); Hedges' g.",
                "",
                _md_table(eff.drop(columns=["against"])),
                "",
            ]
    # Replications: CI half-width now, and how many replications give ±0.02.
    if len(ok) and show_means:
        rows = []
        for o in [o for o in cmp.outcomes if o.endswith("_share")][:3]:
            sd = ok.groupby("point")[o].std().max()
            if np.isfinite(sd):
                n = len(ok) // max(1, ok["point"].nunique())
                rows.append(
                    {
                        "outcome": o,
                        "largest sd over points": sd,
                        "replications per point": n,
                        "replications for ±0.02": replications_needed(float(sd), 0.02),
                    }
                )
        if rows:
            lines += ["## Are there enough replications?", "", _md_table(pd.DataFrame(rows)), ""]
    curves = plot_curves_ci(root, img / "curves.png")
    if curves is not None:
        lines += ["## Curves", "", f"![curves]({rel(curves)})", ""]
    numeric = [f for f in grid if _numeric(scenario, f)]
    main = cmp.outcomes[0]
    if len(numeric) >= 2:
        x, y = numeric[:2]
        panel = next((f for f in grid if f not in (x, y)), None)
        fig = figures.phase_diagram(ok, x, y, main, panel=panel, title=f"{main} (mean)")
        png, _ = figures.save(fig, img / "phase")
        lines += [f"## Phase diagram: {x} × {y}", "", f"![phase]({rel(png)})", ""]
    if scenario.replications >= 10 and grid and len(scenario.points) <= 12:
        by = grid[0]
        fig = figures.distribution(ok, by, main, title=f"{main} across generated Trusts")
        png, _ = figures.save(fig, img / "distribution")
        spread = ok.groupby(by)[main].quantile([0.1, 0.9]).unstack()
        spread.columns = ["p10", "p90"]
        lines += [
            "## Variation across generated Trusts",
            "",
            f"Each dot is one replication: a different generated Trust (org_seed) under "
            f"the same policy. 10th–90th percentile of `{main}`:",
            "",
            _md_table(spread.reset_index()),
            "",
            f"![distribution]({rel(png)})",
            "",
        ]
    if scenario.spec.sample is not None:
        lines += ["## Sensitivity", ""]
        for label, df in sensitivity_tables(root, main).items():
            lines += [f"### {label}", "", _md_table(df), ""]
            if "ST" in df or "mu_star" in df:
                safe = "".join(c if c.isalnum() else "_" for c in label)
                png, _ = figures.save(
                    figures.sensitivity_bars(df, title=f"{main}: {label}"),
                    img / f"sensitivity_{safe}",
                )
                lines += [f"![sensitivity]({rel(png)})", ""]
            conv = df.attrs.get("convergence")
            if conv is not None:
                lines += [
                    f"Convergence: largest change of ST between the last two sample sizes "
                    f"= {conv.attrs['max_change']:.3f}.",
                    "",
                ]
    text = "\n".join(lines).rstrip() + "\n"
    tmp = dest.with_name(dest.name + ".tmp")
    tmp.write_text(text)
    tmp.replace(dest)
    return dest
