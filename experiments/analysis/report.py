"""Analysis of a sweep folder: sensitivity indices and the Markdown report.

``medlead report DIR`` and ``medlead sensitivity`` call these. Everything reads the
store (Parquet parts via DuckDB) and the scenario recorded in the folder's manifest, so a
report can be rebuilt at any time from the results alone.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from medlead.experiments.analysis import figures
from medlead.experiments.analysis.compare import Comparison, comparison, plot_curves_ci
from medlead.experiments.analysis.effects import compare_paired, replications_needed
from medlead.experiments.analysis.programme import programme_markdown
from medlead.experiments.analysis.sensitivity import analyse, convergence
from medlead.experiments.analysis.stats import MeanCI, ci_method_note, paired_method_note
from medlead.experiments.engine.scenario import (
    PRESET_FACTOR,
    PSEUDO_FACTORS,
    Scenario,
    parse_scenario,
    sample_matrix,
    sample_problem,
)
from medlead.experiments.engine.store import read_manifest, runs_frame, write_text_atomic
from medlead.model.labels import OUTPUTS, display, plural
from medlead.model.labels import label as label_of
from medlead.model.params import Params

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
    its 95% CI (a paired bootstrap for shares, inside [-1, 1]; ``ci_method``),
    Vargha–Delaney A, Hedges' g and the paired d_z.
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
                    other.loc[reps, o].to_numpy(float), base.loc[reps, o].to_numpy(float), o
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
                        "ci_method": eff.difference.method,
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
def _md_table(df: pd.DataFrame, digits: int = 3, weeks: int | None = None) -> str:
    """A Markdown table; columns and outcome names shown by their labels, no ``-0.000``.

    ``weeks``: the runs' horizon, which the 'sustained' outputs' labels name.
    """

    def fmt(v: object) -> str:
        if isinstance(v, float):
            return "–" if math.isnan(v) else f"{round(v, digits) + 0.0:.{digits}f}"
        if isinstance(v, str) and v in OUTPUTS:
            return display(v, weeks)
        return str(v)

    head = "| " + " | ".join(_column(c, weeks) for c in df.columns) + " |"
    sep = "| " + " | ".join("---" for _ in df.columns) + " |"
    body = ["| " + " | ".join(fmt(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join([head, sep, *body])


def _column(name: object, weeks: int | None = None) -> str:
    """A table heading: a parameter's or output's label, other headings as they are."""
    name = str(name)
    return display(name, weeks) if name in OUTPUTS or name in Params.names() else name


def _means_wide(cmp: Comparison) -> pd.DataFrame:
    df = cmp.means.copy()
    df["value"] = [
        "–" if not np.isfinite(m) else MeanCI(m, lo, hi, int(n), meth).format(3)
        for m, lo, hi, n, meth in zip(
            df["mean"], df["ci_low"], df["ci_high"], df["n"], df["ci_method"], strict=True
        )
    ]
    keys = cmp.factors or ["point"]
    wide = df.pivot_table(index=keys, columns="outcome", values="value", aggfunc="first")
    return wide[[o for o in cmp.outcomes if o in wide.columns]].reset_index()


def _numeric(scenario: Scenario, f: str) -> bool:
    return f not in PSEUDO_FACTORS and all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in scenario.spec.factors[f]
    )


@dataclass(frozen=True)
class _Folder:
    """What every section of a sweep folder's report reads."""

    root: Path
    dest: Path
    img: Path
    scenario: Scenario
    cmp: Comparison
    ok: pd.DataFrame
    grid: list[str]
    show_means: bool

    @property
    def main(self) -> str:
        """The outcome the figures show: the scenario's first."""
        return self.cmp.outcomes[0]

    def rel(self, path: Path) -> str:
        """``path`` relative to the report, as Markdown links it."""
        return Path(path).relative_to(self.dest.parent).as_posix()


def write_report(root: str | Path, *, out: str | Path | None = None) -> Path:
    """Write ``report.md`` (and its figures) for a sweep folder; return the report's path.

    Contents: what was run (scenario, seed, model version, runs), means with 95% CIs,
    paired effects against the baseline (difference with CI, Vargha–Delaney A, Hedges'
    g), how many replications would give ±0.02 intervals, curves with CI bands, a phase
    diagram when two numeric factors form a grid, the distribution of outcomes across
    generated Trusts, and sensitivity indices when the design was sampled. Each section
    is one function below, which returns its lines (none when it does not apply).
    """
    root = Path(root)
    dest = Path(out) if out is not None else root / "report.md"
    img = dest.parent / "figures"
    img.mkdir(parents=True, exist_ok=True)
    scenario = load_folder_scenario(root)
    runs = runs_frame(root)
    folder = _Folder(
        root=root,
        dest=dest,
        img=img,
        scenario=scenario,
        cmp=comparison(root),
        ok=runs[runs["status"] == "ok"],
        grid=grid_factors(scenario),
        show_means=scenario.spec.sample is None and len(scenario.points) <= 40,
    )
    lines = _header(folder, read_manifest(root))
    for section in (
        _programme_section,
        _means_section,
        _effects_section,
        _replications_section,
        _curves_section,
        _phase_section,
        _distribution_section,
        _sensitivity_section,
    ):
        lines += section(folder)
    return write_text_atomic(dest, "\n".join(lines).rstrip() + "\n")


def _header(f: _Folder, manifest: dict) -> list[str]:
    scenario, cmp = f.scenario, f.cmp
    preset_text = (
        "varied (a factor)"
        if PRESET_FACTOR in scenario.spec.factors
        else f"`{scenario.spec.preset}`"
    )
    return [
        f"# {scenario.name}",
        "",
        scenario.spec.description or "",
        "",
        f"- preset {preset_text}, {plural(len(scenario.points), 'design point')} × "
        f"{plural(scenario.replications, 'replication')}, root seed {scenario.seed} "
        f"({manifest.get('seed', {}).get('scheme', 'replication-keyed SeedSequence')})",
        *_posterior_line(manifest),
        f"- runs: {cmp.ok} ok, {cmp.failed} failed; model version "
        f"{manifest.get('model_version', '?')}",
        f"- report written {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')} by "
        f"`medlead report {f.root}`",
        "",
    ]


def _posterior_line(manifest: dict) -> list[str]:
    """The posterior the runs' parameters were drawn from (none without one)."""
    post = manifest.get("inputs", {}).get("posterior")
    if not post:
        return []
    kept = ", ".join(post.get("kept") or []) or "none"
    return [
        f"- parameters drawn from the posterior `{post.get('path')}` (sha256 "
        f"{str(post.get('sha256'))[:12]}, {post.get('particles')} particles): replication r "
        f"of every point uses draw r; the scenario's own values kept: {kept}"
    ]


def _programme_section(f: _Folder) -> list[str]:
    """The headline table first: end of programme, a year on, retention, differences."""
    pt = f.cmp.programme
    if pt is None:
        return []
    return [
        f"## End of programme (week {pt.end_week}), week {pt.sustain_week} and retention",
        "",
        *programme_markdown(pt),
    ]


def _means_section(f: _Folder) -> list[str]:
    if not f.show_means:
        return []
    means = f.cmp.means
    n_lo, n_hi = (int(means["n"].min()), int(means["n"].max())) if len(means) else (0, 0)
    n = f"{n_lo}" if n_lo == n_hi else f"{n_lo} to {n_hi}"
    cis = [MeanCI(0, 0, 0, int(k), m) for k, m in zip(means["n"], means["ci_method"], strict=True)]
    return [
        "## Outcomes: mean [95% CI] over replications",
        "",
        f"Each cell: the mean over n = {n} replications per point and its "
        f"{ci_method_note(cis)} (shares stay inside [0, 1]); units in the headings.",
        "",
        _md_table(_means_wide(f.cmp), weeks=f.scenario.weeks),
        "",
    ]


def _effects_section(f: _Folder) -> list[str]:
    cmp = f.cmp
    if "strategy" not in f.grid or cmp.baseline is None or f.scenario.spec.sample is not None:
        return []
    eff = effect_table(f.ok, f.scenario, cmp.outcomes[:3], cmp.baseline)
    if not len(eff):
        return []
    methods = paired_method_note(eff.loc[eff["n"] > 1, "ci_method"])
    return [
        f"## Paired effects against `{cmp.baseline}` (same replications)",
        "",
        f"Difference of means (strategy − {cmp.baseline}) over n replication pairs with 95% "
        f"CI: {methods}, a share's inside [-1, 1]; "
        "Vargha–Delaney A (0.5 = no difference; 0.71 = large); Hedges' g.",
        "",
        _md_table(eff.drop(columns=["against"]), weeks=f.scenario.weeks),
        "",
    ]


def _replications_section(f: _Folder) -> list[str]:
    """CI half-width now, and how many replications would give ±0.02."""
    ok = f.ok
    if not len(ok) or not f.show_means:
        return []
    rows = []
    for o in [o for o in f.cmp.outcomes if o.endswith("_share")][:3]:
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
    if not rows:
        return []
    table = _md_table(pd.DataFrame(rows), weeks=f.scenario.weeks)
    return ["## Are there enough replications?", "", table, ""]


def _curves_section(f: _Folder) -> list[str]:
    curves = plot_curves_ci(f.root, f.img / "curves.png")
    if curves is None:
        return []
    return ["## Curves", "", f"![curves]({f.rel(curves)})", ""]


def _phase_section(f: _Folder) -> list[str]:
    numeric = [g for g in f.grid if _numeric(f.scenario, g)]
    if len(numeric) < 2:
        return []
    x, y = numeric[:2]
    panel = next((g for g in f.grid if g not in (x, y)), None)
    fig = figures.phase_diagram(
        f.ok, x, y, f.main, panel=panel, title=f"{label_of(f.main).title} (mean)"
    )
    png, _ = figures.save(fig, f.img / "phase")
    return [
        f"## Phase diagram: {label_of(x).title} × {label_of(y).title}",
        "",
        f"![phase]({f.rel(png)})",
        "",
    ]


def _distribution_section(f: _Folder) -> list[str]:
    if f.scenario.replications < 10 or not f.grid or len(f.scenario.points) > 12:
        return []
    by, main = f.grid[0], f.main
    fig = figures.distribution(
        f.ok, by, main, title=f"{label_of(main).title} across generated Trusts"
    )
    png, _ = figures.save(fig, f.img / "distribution")
    spread = f.ok.groupby(by)[main].quantile([0.1, 0.9]).unstack()
    spread.columns = ["p10", "p90"]
    return [
        "## Variation across generated Trusts",
        "",
        f"Each dot is one replication: a different generated Trust (org_seed) under "
        f"the same policy. 10th–90th percentile of `{main}`:",
        "",
        _md_table(spread.reset_index()),
        "",
        f"![distribution]({f.rel(png)})",
        "",
    ]


def _sensitivity_section(f: _Folder) -> list[str]:
    if f.scenario.spec.sample is None:
        return []
    main = f.main
    lines = ["## Sensitivity", ""]
    for label, df in sensitivity_tables(f.root, main).items():
        lines += [f"### {label}", "", _md_table(df), ""]
        if "ST" in df or "mu_star" in df:
            safe = "".join(c if c.isalnum() else "_" for c in label)
            png, _ = figures.save(
                figures.sensitivity_bars(df, title=f"{main}: {label}"),
                f.img / f"sensitivity_{safe}",
            )
            lines += [f"![sensitivity]({f.rel(png)})", ""]
        conv = df.attrs.get("convergence")
        if conv is not None:
            lines += [
                f"Convergence: largest change of ST between the last two sample sizes "
                f"= {conv.attrs['max_change']:.3f}.",
                "",
            ]
    return lines
