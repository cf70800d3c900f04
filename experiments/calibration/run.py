"""A whole calibration in one call: ABC generations through the engine, posterior, predictions.

What ``medlead calibrate`` calls. Every simulation is a run of the engine
(:func:`~medlead.experiments.engine.runner.sweep`): generation ``t``'s proposals are one
:class:`~medlead.experiments.engine.design.Design` (a point per particle, case and
strategy) stored in ``STORE/gNN``, and the posterior-predictive runs one more design in
``STORE/predict``. Proposals are drawn from generators spawned from the root seed and
the generation only, and the tolerance is set once a generation's runs are all in, so
the posterior is the same whatever the number of workers; a killed calibration, run
again with the same command, reads the finished generations back from the store
(running nothing for them), resumes the unfinished one and gives the same posterior as
an uninterrupted run.

Spawn keys (the one root seed, separate streams): runs of generation ``t`` for
particle ``i`` and case ``c`` use prefix ``(0, t, i, c)`` (the strategies of one case
share a hospital and draws); proposals of generation ``t`` draw from ``(1, t)``; the
predictive draws from ``(2, 0)`` (posterior) and ``(2, 1)`` (prior); predictive runs use
``(3, d)`` for the headline's draw ``d`` (all strategies paired) and ``(4, c, d)`` for
case ``c``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from medlead.experiments.calibration.apmc import Generation, Population, run_apmc
from medlead.experiments.calibration.cases import (
    Case,
    case_params,
    load_cases,
    observation_value,
    reporters_needed,
)
from medlead.experiments.calibration.posterior import (
    draw_particles,
    plain_value,
    write_posterior,
)
from medlead.experiments.calibration.prior import Prior, calibration_prior
from medlead.experiments.engine.design import Design, DesignPoint
from medlead.experiments.engine.runner import sweep
from medlead.experiments.engine.store import runs_frame, timeseries_frame
from medlead.model import ParamError, Params
from medlead.model.params import STRATEGIES

__all__ = [
    "FULL",
    "QUICK",
    "CalibrationConfig",
    "CalibrationError",
    "CalibrationResult",
    "calibrate",
    "default_store",
]

RUN_KEY, PROPOSAL_KEY, DRAW_KEY, HEADLINE_KEY, CASE_KEY = 0, 1, 2, 3, 4
RESULTS = Path("results")


class CalibrationError(ParamError):
    """A calibration that cannot be run as asked (exit code 2)."""


@dataclass(frozen=True)
class CalibrationConfig:
    """What a calibration runs.

    Attributes:
        cases: the cases (shipped ids or case files); empty: every shipped case.
        population: particles per generation (``N`` of APMC; ``alpha N`` are kept).
        alpha: share of particles kept each generation.
        min_acceptance: stop when a generation accepts fewer of its new particles
            (Lenormand et al. 2013 use 0.01-0.05).
        max_generations: stop after this many generations in any case.
        flip: probability that a structural switch changes form in a proposal.
        seed: the root seed.
        predictive_draws: parameter sets drawn from the posterior (and from the prior)
            for the headline and the cases' predictions.
        only: calibrate just these parameters (``None``: every uncertainty).
        switches: calibrate the structural switches as a discrete model choice.
        headline: run the posterior-predictive headline (the default Trust's four
            strategies).
    """

    cases: tuple[str, ...] = ()
    population: int = 1000
    alpha: float = 0.5
    min_acceptance: float = 0.05
    max_generations: int = 20
    flip: float = 0.1
    seed: int = 16
    predictive_draws: int = 200
    only: tuple[str, ...] | None = None
    switches: bool = True
    headline: bool = True

    def check(self) -> None:
        """Raise :class:`CalibrationError` listing every value that cannot work."""
        problems = []
        if self.population < 4:
            problems.append(f"population {self.population}: needs at least 4 particles")
        if not 0 < self.alpha < 1:
            problems.append(f"alpha {self.alpha}: must be between 0 and 1")
        elif self.population >= 4 and int(self.alpha * self.population) < 2:
            problems.append("alpha x population must keep at least 2 particles")
        if not 0 <= self.min_acceptance < 1:
            problems.append(f"min_acceptance {self.min_acceptance}: must be in [0, 1)")
        if self.max_generations < 1:
            problems.append(f"max_generations {self.max_generations}: needs at least 1")
        if not 0 < self.flip < 1:
            problems.append(f"flip {self.flip}: must be between 0 and 1")
        if self.seed < 0:
            problems.append(f"seed {self.seed}: must be >= 0")
        if self.predictive_draws < 2:
            problems.append(f"predictive_draws {self.predictive_draws}: needs at least 2")
        if problems:
            raise CalibrationError(problems)

    def to_dict(self) -> dict[str, Any]:
        """The configuration as plain values."""
        d = dataclasses.asdict(self)
        d["cases"] = list(self.cases)
        d["only"] = list(self.only) if self.only is not None else None
        return d


FULL = CalibrationConfig()
"""The committed calibration (``docs/calibration.md``): fits on 2 cores in under an hour."""
QUICK = CalibrationConfig(population=24, max_generations=2, predictive_draws=4)
"""``--quick``: the same code path in about a minute (CI); its numbers mean nothing."""


@dataclass
class CalibrationResult:
    """What :func:`calibrate` produced (its files are in ``out``)."""

    out: Path
    store: Path
    cases: list[Case]
    prior: Prior
    population: Population
    generations: list[Generation]
    posterior: pd.DataFrame
    predictive: pd.DataFrame
    headline: pd.DataFrame
    runs: int
    ran: int
    seconds: float
    run_seconds: float = 0.0
    """Worker seconds of every run in the store (its timing columns), whenever made."""
    observations: list[tuple[str, str]] = field(default_factory=list)
    """(case id, observation name) of the distance's components, in order."""


def default_store(cfg: CalibrationConfig) -> Path:
    """``results/calibration`` (or ``results/calibration-quick`` for :data:`QUICK`)."""
    return RESULTS / ("calibration-quick" if cfg == QUICK else "calibration")


def _series_of(
    store: Path, design: Design, names: Sequence[str]
) -> dict[int, dict[str, np.ndarray]]:
    """Per design point: reporter -> (reps, weeks + 1) array of its stored ok runs."""
    ts = timeseries_frame(store)
    out: dict[int, dict[str, np.ndarray]] = {}
    if ts.empty:
        return out
    for point, frame in ts.groupby("point", sort=True):
        reps = frame["rep"].nunique()
        if reps < design.reps(design.points[int(point)]):
            continue  # a failed replication: the point has no statistic
        weeks = len(frame) // reps
        out[int(point)] = {n: frame[n].to_numpy(dtype=float).reshape(reps, weeks) for n in names}
    return out


def _case_points(
    cases: list[Case], values: dict[str, Any]
) -> list[tuple[int, Case, str, Params]] | None:
    """(case index, case, strategy, params) of one parameter set's runs, or None if the
    parameters refuse one of them (the particle lies outside the valid region).
    """
    out = []
    for c, case in enumerate(cases):
        for strategy in case.strategies:
            try:
                out.append((c, case, strategy, case_params(case, strategy, values)))
            except ParamError:
                return None
    return out


class _Simulator:
    """The ``simulate`` callback of :func:`~.apmc.run_apmc`: a generation through the engine."""

    def __init__(self, cfg, cases, prior, store, run_kwargs):
        self.cfg, self.cases, self.prior, self.store = cfg, cases, prior, store
        self.run_kwargs = run_kwargs
        self.series = reporters_needed(cases)
        self.obs = [(c, case, o) for c, case in enumerate(cases) for o in case.observations]
        self.runs = self.ran = 0

    def design(self, t: int, u: np.ndarray, m: np.ndarray) -> tuple[Design, dict]:
        points: list[DesignPoint] = []
        where: dict[tuple[int, int, str], int] = {}
        for i in range(len(u)):
            values = self.prior.values(u[i], m[i])
            runs = _case_points(self.cases, values)
            if runs is None:
                continue
            for c, case, strategy, params in runs:
                where[(i, c, strategy)] = len(points)
                points.append(
                    DesignPoint(
                        index=len(points),
                        factors={"particle": i, "case": case.id, "arm": strategy},
                        params=params,
                        replications=case.setting.replications,
                        spawn_prefix=(RUN_KEY, t, i, c),
                    )
                )
        if not points:
            raise CalibrationError([f"generation {t}: no particle gives valid parameters"])
        design = Design.build(
            name=f"calibration generation {t}",
            kind="calibration",
            seed=self.cfg.seed,
            points=points,
            columns={"particle": "int64", "case": "string", "arm": "string"},
            timeseries=self.series,
            text=json.dumps({"config": self.cfg.to_dict(), "generation": t}, sort_keys=True),
        )
        return design, where

    def __call__(self, t: int, u: np.ndarray, m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        design, where = self.design(t, u, m)
        root = self.store / f"g{t:02d}"
        res = sweep(design, root, retry_failed=True, **self.run_kwargs)
        self.runs += design.n_runs
        self.ran += res.ran
        series = _series_of(root, design, self.series)
        stats = np.full((len(u), len(self.obs)), np.nan)
        for i in range(len(u)):
            for k, (c, case, obs) in enumerate(self.obs):
                point = where.get((i, c, case.strategy_of(obs)))
                if point is not None and point in series:
                    stats[i, k] = observation_value(obs, series[point])
        return distances(stats, [o for _, _, o in self.obs]), stats


def distances(stats: np.ndarray, observations: Sequence[Any]) -> np.ndarray:
    """Root mean square of the standardised residuals ``(s - value) / scale``.

    ``inf`` for a particle with any undefined statistic (never accepted unless fewer
    particles than the kept number are defined).
    """
    value = np.array([o.value for o in observations])
    scale = np.array([o.scale for o in observations])
    z = (stats - value) / scale
    d = np.sqrt(np.mean(z * z, axis=1))
    return np.where(np.isfinite(d), d, np.inf)


def _check_store(store: Path, cfg: CalibrationConfig, fresh: bool) -> None:
    """Refuse a store made by another configuration (unless ``fresh``), then stamp it."""
    import shutil

    stamp = store / "calibration.json"
    text = _config_text(cfg)
    if store.exists() and fresh:
        if any(store.iterdir()) and not stamp.exists():
            raise CalibrationError([f"{store} is not a calibration store; not deleting it"])
        shutil.rmtree(store)
    if stamp.exists() and stamp.read_text(encoding="utf-8") != text:
        raise CalibrationError(
            [
                f"{store} holds a calibration with another configuration; give --fresh "
                "to replace it or --store for another folder"
            ]
        )
    store.mkdir(parents=True, exist_ok=True)
    stamp.write_text(text, encoding="utf-8")


def _fixed(cases: list[Case]) -> set[str]:
    """Parameters every calibrating case sets itself (no case could inform them)."""
    sets = [set(c.setting.set) for c in cases]
    return set.intersection(*sets) if sets else set()


def calibrate(
    cfg: CalibrationConfig,
    out: str | Path,
    *,
    store: str | Path | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    fresh: bool = False,
    progress: bool = False,
    command: Sequence[str] = ("medlead", "calibrate"),
    on_generation: Callable[[Generation], None] | None = None,
    report: str | Path | None = None,
) -> CalibrationResult:
    """Fit, predict and report; see the module docstring.

    Args:
        cfg: what to run.
        out: folder for ``posterior.parquet``, ``generations.csv``, ``predictive.csv``,
            ``headline.csv``, ``report.md`` and ``img/``.
        store: the run store (default :func:`default_store`).
        workers: local worker processes (default: one per CPU).
        scheduler: address of an existing Dask scheduler instead.
        fresh: delete the runs in ``store`` and start again.
        progress: show the engine's progress bar.
        command: the command line to record.
        on_generation: called after each generation (the CLI prints a line).
        report: the report file (default ``out/report.md``).

    Raises:
        CalibrationError, CaseError, StoreError, SweepError: one line per problem.
    """
    from medlead.experiments.calibration.report import write_report

    cfg.check()
    t0 = time.perf_counter()
    cases = load_cases(list(cfg.cases) or None)
    fitting = [c for c in cases if c.use == "calibrate"]
    if not fitting:
        raise CalibrationError(["no calibrating case among the cases given (use = calibrate)"])
    try:
        prior = calibration_prior(_fixed(fitting), only=cfg.only, switches=cfg.switches)
    except ValueError as exc:
        raise CalibrationError([str(exc)]) from None
    if prior.dim == 0 and not prior.switches:
        raise CalibrationError(["nothing to calibrate: the prior is empty"])
    out = Path(out)
    store = Path(store) if store is not None else default_store(cfg)
    _check_store(store, cfg, fresh)
    run_kwargs = dict(
        workers=workers, scheduler=scheduler, progress=progress, command=list(command)
    )
    sim = _Simulator(cfg, fitting, prior, store, run_kwargs)
    forms = tuple(len(f) for _, f in prior.switches)

    def rng_of(t: int) -> np.random.Generator:
        return np.random.default_rng(np.random.SeedSequence(cfg.seed, spawn_key=(PROPOSAL_KEY, t)))

    pop, generations = run_apmc(
        sim,
        sample_prior=prior.sample_unit,
        forms=forms,
        n=cfg.population,
        alpha=cfg.alpha,
        min_acceptance=cfg.min_acceptance,
        max_generations=cfg.max_generations,
        flip=cfg.flip,
        rng_of=rng_of,
        on_generation=(lambda _pop, g: on_generation(g)) if on_generation else None,
    )
    if not np.all(np.isfinite(pop.d)):
        raise CalibrationError(
            ["too few particles could be simulated to fill a population; see the run store"]
        )
    posterior = posterior_frame(prior, pop)
    meta = {
        "config": cfg.to_dict(),
        "cases": [c.id for c in cases],
        "calibrating": [c.id for c in fitting],
        "prior": prior.describe(),
        "command": list(command),
        "generations": [dataclasses.asdict(g) for g in generations],
    }
    out.mkdir(parents=True, exist_ok=True)
    write_posterior(out / "posterior.parquet", posterior, meta)
    pd.DataFrame([dataclasses.asdict(g) for g in generations]).to_csv(
        out / "generations.csv", index=False
    )
    predictive, headline, pred_runs, pred_ran = predict(
        cfg, cases, prior, posterior, store / "predict", run_kwargs
    )
    predictive.to_csv(out / "predictive.csv", index=False)
    headline.to_csv(out / "headline.csv", index=False)
    result = CalibrationResult(
        out=out,
        store=store,
        cases=cases,
        prior=prior,
        population=pop,
        generations=generations,
        posterior=posterior,
        predictive=predictive,
        headline=headline,
        runs=sim.runs + pred_runs,
        ran=sim.ran + pred_ran,
        seconds=0.0,
        observations=[(case.id, o.name) for _, case, o in sim.obs],
    )
    result.run_seconds = float(
        sum(
            runs_frame(root, timing=True)["seconds"].sum()
            for root in sorted(store.iterdir())
            if (root / "manifest.json").exists()
        )
    )
    result.seconds = time.perf_counter() - t0
    write_report(result, cfg, Path(report) if report else out / "report.md", command=command)
    return result


def posterior_frame(prior: Prior, pop: Population) -> pd.DataFrame:
    """The posterior table: one row per kept particle (values, weight, distance, born)."""
    rows = []
    w = pop.w / pop.w.sum()
    for k in range(len(pop)):
        row = {"particle": k, **prior.values(pop.u[k], pop.m[k])}
        row.update(weight=float(w[k]), distance=float(pop.d[k]), born=int(pop.born[k]))
        rows.append(row)
    return pd.DataFrame(rows)


# ------------------------------------------------------------------ predictions
def _draws(cfg: CalibrationConfig, prior: Prior, posterior: pd.DataFrame) -> dict[str, list[dict]]:
    """``predictive_draws`` parameter sets from the posterior and from the prior."""
    n = cfg.predictive_draws
    rng = np.random.default_rng(np.random.SeedSequence(cfg.seed, spawn_key=(DRAW_KEY, 0)))
    names = [*prior.names, *prior.switch_names]
    post = [
        {k: plain_value(posterior[k].iat[int(i)]) for k in names}
        for i in draw_particles(posterior, n, rng)
    ]
    rng = np.random.default_rng(np.random.SeedSequence(cfg.seed, spawn_key=(DRAW_KEY, 1)))
    u, m = prior.sample_unit(n, rng)
    return {"posterior": post, "prior": [prior.values(u[i], m[i]) for i in range(n)]}


def case_draws(cfg: CalibrationConfig, case: Case) -> int:
    """Parameter sets a case is predicted with: fewer for a case of many Trusts each."""
    return min(cfg.predictive_draws, max(4, cfg.predictive_draws // case.setting.replications))


def predict(
    cfg: CalibrationConfig,
    cases: list[Case],
    prior: Prior,
    posterior: pd.DataFrame,
    store: Path,
    run_kwargs: dict[str, Any],
) -> tuple[pd.DataFrame, pd.DataFrame, int, int]:
    """Posterior- and prior-predictive runs of every case and of the headline.

    Returns the predictions table (one row per source, case and observation), the
    headline table (one row per source, draw and strategy), runs in the design and runs
    made now.
    """
    draws = _draws(cfg, prior, posterior)
    points: list[DesignPoint] = []
    keys: list[tuple[str, str, int, str]] = []

    def add(source, set_, d, arm, params, reps, prefix):
        keys.append((source, set_, d, arm))
        points.append(
            DesignPoint(
                index=len(points),
                factors={"source": source, "set": set_, "draw": d, "arm": arm},
                params=params,
                replications=reps,
                spawn_prefix=prefix,
            )
        )

    for source, values_list in draws.items():
        if cfg.headline:
            for d, values in enumerate(values_list):
                try:
                    arms = [Params.from_mapping({**values, "strategy": s}) for s in STRATEGIES]
                except ParamError:
                    continue
                for s, params in zip(STRATEGIES, arms, strict=True):
                    add(source, "headline", d, s, params, 1, (HEADLINE_KEY, d))
        for c, case in enumerate(cases):
            for d, values in enumerate(values_list[: case_draws(cfg, case)]):
                runs = _case_points([case], values)
                if runs is None:
                    continue
                for _, _, strategy, params in runs:
                    add(
                        source,
                        case.id,
                        d,
                        strategy,
                        params,
                        case.setting.replications,
                        (CASE_KEY, c, d),
                    )
    series_names = reporters_needed(cases)
    design = Design.build(
        name="calibration predictive",
        kind="calibration",
        seed=cfg.seed,
        points=points,
        columns={"source": "string", "set": "string", "draw": "int64", "arm": "string"},
        timeseries=series_names,
        text=json.dumps({"config": cfg.to_dict(), "predictive": True}, sort_keys=True),
    )
    res = sweep(design, store, retry_failed=True, **run_kwargs)
    series = _series_of(store, design, series_names)
    runs = runs_frame(store)
    rows = []
    for source in draws:
        for case in cases:
            for obs in case.observations:
                arm = case.strategy_of(obs)
                vals = np.array(
                    [
                        observation_value(obs, series[p])
                        for p, key in enumerate(keys)
                        if key[0] == source and key[1] == case.id and key[3] == arm and p in series
                    ]
                )
                vals = vals[np.isfinite(vals)]
                rows.append(_prediction_row(source, case, obs, vals))
    predictive = pd.DataFrame(rows)
    head = runs[runs["set"] == "headline"] if len(runs) else runs
    keep = [
        "source",
        "draw",
        "arm",
        "sustained_practising_share",
        "sustained_faithful_share",
        "committed_share",
        "compliant_share",
        "peak_practising_share",
    ]
    headline = (
        head[head["status"] == "ok"][keep].reset_index(drop=True)
        if len(head)
        else pd.DataFrame(columns=keep)
    )
    return predictive, headline, design.n_runs, res.ran


def predictive_p(observed: float, values: np.ndarray, scale: float) -> float:
    """Posterior-predictive p-value: the probability that a replicate of the observed
    figure falls below the observed one.

    A replicate is the model statistic of a parameter draw plus the figure's error,
    normal with sd ``scale`` (its sampling sd and the mapping tolerance):
    ``p = mean_d Phi((observed - v_d) / scale)`` (Gelman, Meng & Stern 1996). Near 0 or
    1 the observation lies in a tail of what the model predicts; the report calls a
    figure consistent with the prediction when ``0.025 <= p <= 0.975``.
    """
    from scipy.special import ndtr

    return float(np.mean(ndtr((observed - values) / scale))) if values.size else math.nan


def _prediction_row(source: str, case: Case, obs: Any, vals: np.ndarray) -> dict[str, Any]:
    q = np.quantile(vals, [0.025, 0.5, 0.975]) if vals.size else [math.nan] * 3
    p = predictive_p(obs.value, vals, obs.scale)
    return {
        "source": source,
        "case": case.id,
        "use": case.use,
        "observation": obs.name,
        "statistic": obs.statistic,
        "week": obs.week,
        "arm": case.strategy_of(obs),
        "observed": obs.value,
        "sd": obs.sd,
        "tolerance": obs.tolerance,
        "draws": int(vals.size),
        "mean": float(np.mean(vals)) if vals.size else math.nan,
        "median": float(q[1]),
        "lo95": float(q[0]),
        "hi95": float(q[2]),
        "z": float((q[1] - obs.value) / obs.scale) if vals.size else math.nan,
        "p": p,
        "consistent": bool(vals.size and 0.025 <= p <= 0.975),
    }


def _config_text(cfg: CalibrationConfig) -> str:
    return json.dumps(cfg.to_dict(), sort_keys=True)


def config_hash(cfg: CalibrationConfig) -> str:
    """A short hash of the configuration (shown in the report)."""
    return hashlib.sha256(_config_text(cfg).encode()).hexdigest()[:12]
