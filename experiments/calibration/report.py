"""The calibration's report (``report.md``) and figures, from what :func:`~.run.calibrate` made.

Sections: what was run; the cases (which calibrate, which are held out); ABC
diagnostics per generation; the fit to the calibrating cases; the held-out
predictions beside their observations; the headline under the posterior (and under
the prior, for comparison); the structural switches' posterior probabilities; which
parameters the data moved and which priors did not move; and, for every verdict,
whether it could hold by construction.
"""

from __future__ import annotations

import math
import os
import shlex
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from medlead.experiments.analysis.figures import OKABE_ITO
from medlead.model.params import STRATEGIES, Params

if TYPE_CHECKING:
    from medlead.experiments.calibration.run import CalibrationConfig, CalibrationResult

__all__ = ["movement", "write_report"]

MOVED_SD_RATIO = 0.8
"""A parameter 'moved' if its posterior sd is below this share of its prior sd ..."""
MOVED_SHIFT = 0.5
"""... or its posterior mean moved by more than this many prior sds."""
PAIRS = ("mandate", "persuasion"), ("persuasion", "hybrid"), ("none", "persuasion")


def _w(result: CalibrationResult) -> np.ndarray:
    w = result.posterior["weight"].to_numpy(float)
    return w / w.sum()


def movement(result: CalibrationResult) -> pd.DataFrame:
    """Per continuous parameter: prior and posterior mean and sd, 90% interval, moved."""
    prior, post, w = result.prior, result.posterior, _w(result)
    rows = []
    for name, lo, hi in zip(prior.names, prior.lo, prior.hi, strict=True):
        x = post[name].to_numpy(float)
        mean = float(np.sum(w * x))
        sd = float(np.sqrt(np.sum(w * (x - mean) ** 2)))
        prior_sd = (hi - lo) / math.sqrt(12.0)
        order = np.argsort(x)
        cdf = np.cumsum(w[order])
        q05, q95 = (float(x[order][np.searchsorted(cdf, q)]) for q in (0.05, 0.95))
        ratio = sd / prior_sd
        shift = (mean - (lo + hi) / 2) / prior_sd
        rows.append(
            {
                "parameter": name,
                "prior_lo": float(lo),
                "prior_hi": float(hi),
                "mean": mean,
                "q05": q05,
                "q95": q95,
                "sd_ratio": ratio,
                "shift": shift,
                "moved": bool(ratio < MOVED_SD_RATIO or abs(shift) > MOVED_SHIFT),
            }
        )
    df = pd.DataFrame(rows)
    if len(df):
        df["score"] = (1 - df["sd_ratio"]).clip(lower=0) + df["shift"].abs()
        df = df.sort_values("score", ascending=False).reset_index(drop=True)
    return df


def _switch_table(result: CalibrationResult) -> pd.DataFrame:
    w, rows = _w(result), []
    for name, forms in result.prior.switches:
        col = result.posterior[name].to_numpy()
        for form in forms:
            rows.append(
                {
                    "switch": name,
                    "form": form,
                    "posterior": float(w[col == form].sum()),
                    "prior": 1.0 / len(forms),
                }
            )
    return pd.DataFrame(rows)


# ------------------------------------------------------------------ figures
def _fig(width: float, height: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=110, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _save_png(fig, path: Path) -> Path:
    """Save ``fig`` as PNG atomically (no SVG: a scatter of 500 particles would be MBs)."""
    tmp = path.with_name(path.name + ".tmp")
    fig.savefig(tmp, format="png")
    tmp.replace(path)
    return path


def _label(name: str) -> str:
    spec = Params.specs()[name]
    unit = f" ({spec.unit})" if spec.unit else ""
    return name.replace("_", " ") + unit


def fig_diagnostics(result: CalibrationResult):
    g = pd.DataFrame([vars(x) for x in result.generations])
    fig = _fig(10, 3.2)
    axes = fig.subplots(1, 3)
    for ax, col, title in zip(
        axes,
        ("epsilon", "acceptance", "ess"),
        ("tolerance (distance kept)", "acceptance of new particles", "effective sample size"),
        strict=True,
    ):
        ax.plot(g["generation"], g[col], marker="o", color=OKABE_ITO["blue"])
        ax.set_title(title)
        ax.set_xlabel("generation")
        ax.grid(alpha=0.3)
    axes[1].set_ylim(0, 1.05)
    return fig


def fig_marginals(result: CalibrationResult, names: Sequence[str]):
    n = len(names)
    cols = min(4, max(1, n))
    rows = math.ceil(n / cols)
    fig = _fig(3.0 * cols, 2.3 * rows)
    axes = np.atleast_1d(fig.subplots(rows, cols)).ravel()
    w = _w(result)
    lookup = dict(
        zip(result.prior.names, zip(result.prior.lo, result.prior.hi, strict=True), strict=True)
    )
    for ax, name in zip(axes, names, strict=False):
        lo, hi = lookup[name]
        ax.hist(
            result.posterior[name],
            bins=20,
            range=(lo, hi),
            weights=w,
            density=True,
            color=OKABE_ITO["blue"],
            alpha=0.8,
            label="posterior",
        )
        ax.axhline(1.0 / (hi - lo), color=OKABE_ITO["black"], ls="--", lw=1, label="prior")
        ax.set_xlabel(_label(name), fontsize=8)
        ax.set_yticks([])
    for ax in axes[n:]:
        ax.set_visible(False)
    if n:
        axes[0].legend(fontsize=7)
    return fig


def fig_pairs(result: CalibrationResult, names: Sequence[str]):
    n = len(names)
    fig = _fig(2.2 * n, 2.2 * n)
    axes = np.atleast_2d(fig.subplots(n, n))
    w = _w(result)
    size = 4 + 60 * w / w.max()
    for i, a in enumerate(names):
        for j, b in enumerate(names):
            ax = axes[i, j]
            if i == j:
                ax.hist(result.posterior[a], bins=15, weights=w, color=OKABE_ITO["blue"])
                ax.set_yticks([])
            else:
                ax.scatter(
                    result.posterior[b],
                    result.posterior[a],
                    s=size,
                    alpha=0.35,
                    color=OKABE_ITO["blue"],
                    linewidths=0,
                )
            if i == n - 1:
                ax.set_xlabel(b.replace("_", " "), fontsize=7)
            if j == 0 and i != j:
                ax.set_ylabel(a.replace("_", " "), fontsize=7)
            ax.tick_params(labelsize=6)
    return fig


def fig_predictions(result: CalibrationResult):
    p = result.predictive
    labels = [
        f"{c} · {o}"
        for c, o in p[p["source"] == "posterior"][["case", "observation"]].itertuples(index=False)
    ]
    fig = _fig(8, 0.55 * max(3, len(labels)) + 1)
    ax = fig.subplots()
    for k, (_, row) in enumerate(p[p["source"] == "posterior"].iterrows()):
        prior = p[
            (p["source"] == "prior")
            & (p["case"] == row["case"])
            & (p["observation"] == row["observation"])
        ]
        y = len(labels) - 1 - k
        if len(prior):
            pr = prior.iloc[0]
            ax.plot(
                [pr["lo95"], pr["hi95"]],
                [y + 0.18] * 2,
                color="#999999",
                lw=4,
                solid_capstyle="butt",
            )
        colour = OKABE_ITO["blue"] if row["use"] == "calibrate" else OKABE_ITO["vermillion"]
        ax.plot([row["lo95"], row["hi95"]], [y] * 2, color=colour, lw=4, solid_capstyle="butt")
        ax.plot(row["median"], y, "o", color=colour)
        scale = math.hypot(row["sd"], row["tolerance"])
        ax.errorbar(
            row["observed"], y - 0.22, xerr=2 * scale, fmt="D", color="black", ms=5, capsize=3
        )
    ax.set_yticks(range(len(labels)), labels[::-1], fontsize=8)
    ax.set_xlabel("statistic (share or rate ratio)")
    ax.set_title(
        "Predicted 95% interval (grey: prior; blue: posterior, fitted; red: posterior, "
        "held out)\nblack: observed ± 2 × sqrt(sd² + tolerance²)",
        fontsize=9,
    )
    ax.grid(axis="x", alpha=0.3)
    return fig


def fig_headline(result: CalibrationResult):
    h = result.headline
    fig = _fig(7, 3.5)
    ax = fig.subplots()
    for k, s in enumerate(STRATEGIES):
        for off, source, colour in (
            (-0.15, "prior", "#999999"),
            (0.15, "posterior", OKABE_ITO["blue"]),
        ):
            v = h[(h["arm"] == s) & (h["source"] == source)]["sustained_practising_share"].dropna()
            if len(v):
                lo, mid, hi = np.quantile(v, [0.025, 0.5, 0.975])
                ax.plot(
                    [k + off] * 2,
                    [lo, hi],
                    color=colour,
                    lw=5,
                    solid_capstyle="butt",
                    label=source if k == 0 else None,
                )
                ax.plot(k + off, mid, "o", color="black", ms=4)
    ax.set_xticks(range(len(STRATEGIES)), STRATEGIES)
    ax.set_ylabel("share of clinical staff practising\nat week 156 (a year after withdrawal)")
    ax.set_ylim(-0.02, 1.02)
    ax.set_title("Headline: median and 95% interval over parameter draws", fontsize=10)
    ax.legend(fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    return fig


def fig_switches(result: CalibrationResult):
    t = _switch_table(result)
    fig = _fig(7, 0.5 * max(2, len(t)) + 0.8)
    ax = fig.subplots()
    labels = [f"{a}: {b}" for a, b in zip(t["switch"], t["form"], strict=True)]
    ax.barh(range(len(t)), t["posterior"], color=OKABE_ITO["blue"], label="posterior")
    ax.scatter(t["prior"], range(len(t)), marker="|", s=200, color="black", label="prior")
    ax.set_yticks(range(len(t)), labels, fontsize=8)
    ax.set_xlim(0, 1)
    ax.set_xlabel("probability")
    ax.invert_yaxis()
    ax.legend(fontsize=8)
    return fig


# ------------------------------------------------------------------ text
def _fmt(x: float, nd: int = 3) -> str:
    return "–" if x is None or (isinstance(x, float) and not math.isfinite(x)) else f"{x:.{nd}f}"


def _table(df: pd.DataFrame) -> str:
    head = "| " + " | ".join(df.columns) + " |"
    sep = "| " + " | ".join("---" for _ in df.columns) + " |"
    body = ["| " + " | ".join(str(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join([head, sep, *body])


def headline_table(h: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per source and strategy: median and 95% interval; and the paired differences."""
    rows, diffs = [], []
    for source in ("posterior", "prior"):
        hs = h[h["source"] == source]
        for s in STRATEGIES:
            v = hs[hs["arm"] == s]["sustained_practising_share"].dropna().to_numpy()
            f = hs[hs["arm"] == s]["sustained_faithful_share"].dropna().to_numpy()
            if v.size:
                lo, mid, hi = np.quantile(v, [0.025, 0.5, 0.975])
                rows.append(
                    {
                        "under": source,
                        "strategy": s,
                        "draws": v.size,
                        "sustained practising (median [95%])": f"{mid:.3f} [{lo:.3f}, {hi:.3f}]",
                        "practising done well (median)": f"{np.median(f):.3f}",
                    }
                )
        wide = hs.pivot_table(index="draw", columns="arm", values="sustained_practising_share")
        for a, b in PAIRS:
            if a in wide and b in wide:
                d = (wide[b] - wide[a]).dropna().to_numpy()
                if d.size:
                    lo, mid, hi = np.quantile(d, [0.025, 0.5, 0.975])
                    diffs.append(
                        {
                            "under": source,
                            "contrast": f"{b} − {a}",
                            "draws": d.size,
                            "median [95%]": f"{mid:+.3f} [{lo:+.3f}, {hi:+.3f}]",
                            "P(difference > 0)": f"{np.mean(d > 0):.2f}",
                        }
                    )
    return pd.DataFrame(rows), pd.DataFrame(diffs)


def _rel(path: Path, start: Path) -> str:
    return Path(os.path.relpath(path, start)).as_posix()


def write_report(
    result: CalibrationResult, cfg: CalibrationConfig, path: Path, *, command: Sequence[str]
) -> Path:
    """Draw the figures into ``out/img`` and write the report to ``path``."""
    from medlead.experiments.calibration.run import QUICK, config_hash

    img = result.out / "img"
    img.mkdir(parents=True, exist_ok=True)
    mv = movement(result)
    moved = mv[mv["moved"]]
    top = list(mv["parameter"][:12])
    figs = {
        "diagnostics": fig_diagnostics(result),
        "marginals": fig_marginals(result, top),
        "predictions": fig_predictions(result),
    }
    if len(top) >= 2:
        figs["pairs"] = fig_pairs(result, top[: min(5, len(top))])
    if len(result.headline):
        figs["headline"] = fig_headline(result)
    if result.prior.switches:
        figs["switches"] = fig_switches(result)
    paths = {name: _save_png(fig, img / f"{name}.png") for name, fig in figs.items()}
    base = path.parent
    link = {k: _rel(v, base) for k, v in paths.items()}
    g = pd.DataFrame([vars(x) for x in result.generations])
    final = result.generations[-1]
    stop = (
        f"stopped after generation {final.generation}: acceptance {final.acceptance:.3f} < "
        f"{cfg.min_acceptance}"
        if final.acceptance < cfg.min_acceptance and final.generation > 0
        else f"stopped at the generation limit ({cfg.max_generations})"
    )
    fitting = [c for c in result.cases if c.use == "calibrate"]
    held = [c for c in result.cases if c.use == "holdout"]
    p = result.predictive
    lines = [
        "# Calibration: medlead fitted to measured change programmes",
        "",
        "Generated by `medlead calibrate`; do not edit by hand.",
        "",
    ]
    if cfg == QUICK:
        lines += [
            "> **Quick mode**: a tiny population and two generations to exercise the code "
            "path. Its numbers mean nothing.",
            "",
        ]
    lines += [
        f"- Command: `{shlex.join(command)}`",
        f"- Date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}; configuration "
        f"`{config_hash(cfg)}`; root seed {cfg.seed}",
        f"- {result.runs:,} runs, {result.run_seconds / 60:.0f} worker-minutes in all "
        f"(from the store's timing columns); this invocation made {result.ran:,} of them "
        f"in {result.seconds / 60:.1f} min wall",
        f"- Algorithm: adaptive population Monte Carlo ABC (Lenormand, Jabot & Deffuant 2013, "
        f"Comput Stat 28:2777): {cfg.population} particles a generation, the closest "
        f"{int(cfg.alpha * cfg.population)} kept, {stop}. Every run through the engine "
        f"(store `{result.store.as_posix()}`), so the posterior is the same for any number of "
        "workers and a killed calibration resumes.",
        f"- Prior: uniform over the plausible range of {result.prior.dim} uncertainties "
        f"(`docs/params.md`) and over the forms of {len(result.prior.switches)} structural "
        "switches (a discrete model choice).",
        "- Distance: root mean square over the calibrating observations of "
        "(model − observed) / sqrt(sd² + tolerance²); each observation's sd and tolerance "
        "are in `docs/cases.md`.",
        "",
        "## Cases",
        "",
        "Decided before fitting and recorded in `docs/cases.md`:",
        "",
        *[f"- calibrate: **{c.id}** ({c.title})" for c in fitting],
        *[f"- held out: **{c.id}** ({c.title})" for c in held],
        "",
        "## ABC diagnostics",
        "",
        _table(
            pd.DataFrame(
                {
                    "generation": g["generation"],
                    "simulated": g["simulated"],
                    "tolerance": g["epsilon"].map(_fmt),
                    "acceptance": g["acceptance"].map(lambda x: f"{x:.3f}"),
                    "ESS": g["ess"].map(lambda x: f"{x:.0f}"),
                }
            )
        ),
        "",
        f"![ABC diagnostics]({link['diagnostics']})",
        "",
    ]

    def pred_table(use: str) -> str:
        rows = []
        for _, r in p[(p["use"] == use)].sort_values(["case", "observation", "source"]).iterrows():
            rows.append(
                {
                    "case": r["case"],
                    "observation": r["observation"],
                    "under": r["source"],
                    "week": r["week"],
                    "observed": f"{r['observed']:.3f}",
                    "sd / tolerance": f"{r['sd']:.3f} / {r['tolerance']:.3f}",
                    "predicted median [95%]": (
                        f"{_fmt(r['median'])} [{_fmt(r['lo95'])}, {_fmt(r['hi95'])}]"
                    ),
                    "z": _fmt(r["z"], 2),
                    "p": _fmt(r["p"], 3),
                    "consistent": "yes" if r["consistent"] else "**no**",
                }
            )
        return _table(pd.DataFrame(rows)) if rows else "(none)"

    lines += [
        "## Fit to the calibrating cases",
        "",
        "Posterior-predictive runs (new runs with parameter sets drawn from the posterior, "
        "and from the prior for comparison). *z* = (predicted median − observed) / "
        "sqrt(sd² + tolerance²); *p* = posterior-predictive p-value, the probability that a "
        "replicate of the figure (the model statistic of a draw plus a normal error of sd "
        "sqrt(sd² + tolerance²)) falls below the observed one; *consistent* = p between "
        "0.025 and 0.975.",
        "",
        pred_table("calibrate"),
        "",
        "## Held-out cases: predicted out of sample",
        "",
        "These cases took no part in the fit. Each prediction is made with the posterior and "
        "shown beside its observed figure.",
        "",
        pred_table("holdout"),
        "",
        f"![Predictions against observations]({link['predictions']})",
        "",
    ]
    if len(result.headline):
        ht, hd = headline_table(result.headline)
        lines += [
            "## The headline under the posterior",
            "",
            "The default Trust (`professional` preset), each strategy run with the same "
            "parameter draw and hospital (paired); practising read at week 156, a year after "
            "the two-year programme is withdrawn. Intervals are 95% credible intervals over "
            "parameter draws (they include each run's own chance).",
            "",
            _table(ht),
            "",
            _table(hd),
            "",
            f"![Headline under prior and posterior]({link['headline']})",
            "",
        ]
    if result.prior.switches:
        st = _switch_table(result)
        lines += [
            "## Structural switches: what the data say about each form",
            "",
            _table(
                st.assign(
                    posterior=st["posterior"].map(lambda x: f"{x:.2f}"),
                    prior=st["prior"].map(lambda x: f"{x:.2f}"),
                )
            ),
            "",
            f"![Switch posteriors]({link['switches']})",
            "",
        ]
    not_moved = mv[~mv["moved"]]["parameter"].tolist()
    lines += [
        "## What the data moved, and what they could not pin down",
        "",
        f"A parameter counts as moved if its posterior sd is below {MOVED_SD_RATIO:g} of its "
        f"prior sd or its posterior mean lies more than {MOVED_SHIFT:g} prior sds from the "
        f"prior's centre. {len(moved)} of {len(mv)} moved.",
        "",
        _table(
            pd.DataFrame(
                {
                    "parameter": moved["parameter"],
                    "prior": [
                        f"[{a:g}, {b:g}]"
                        for a, b in zip(moved["prior_lo"], moved["prior_hi"], strict=True)
                    ],
                    "posterior mean [90%]": [
                        f"{m:.3g} [{a:.3g}, {b:.3g}]"
                        for m, a, b in zip(moved["mean"], moved["q05"], moved["q95"], strict=True)
                    ],
                    "sd / prior sd": moved["sd_ratio"].map(lambda x: f"{x:.2f}"),
                    "shift (prior sds)": moved["shift"].map(lambda x: f"{x:+.2f}"),
                }
            )
        )
        if len(moved)
        else "(none)",
        "",
        f"**Priors that did not move** ({len(not_moved)}): "
        + (", ".join(f"`{n}`" for n in not_moved) if not_moved else "none")
        + ". The "
        "calibrating cases carry no information about them; conclusions that depend on "
        "them rest on the plausible ranges alone.",
        "",
        f"![Marginal posteriors of the parameters that moved most]({link['marginals']})",
        "",
    ]
    if "pairs" in link:
        lines += [f"![Pairwise posterior of the five that moved most]({link['pairs']})", ""]
    lines += [
        "## Could these verdicts hold by construction?",
        "",
        "- **The fit** cannot hold by construction: the distance was minimised, so a good fit "
        "shows only that the model *can* produce the figures; a bad one is a finding.",
        "- **The held-out predictions** are not fitted: each case's figures took no part in "
        "the distance. They share the mapping's judgements (`docs/cases.md`), which were "
        "made before fitting; a prediction that misses is reported, not tuned.",
        "- **The headline** is an output of the mechanisms at the posterior's parameters; "
        "no form or default was chosen for it. It depends on the cases' mappings and on the "
        "priors that did not move.",
        "",
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("\n".join(lines), encoding="utf-8")
    tmp.replace(path)
    return path
