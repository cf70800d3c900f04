"""Calibration: the APMC algorithm, the prior, the posterior file, synthetic truth, resume."""

from __future__ import annotations

import dataclasses
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import tomli_w
from scipy import stats

from medlead.experiments.calibration import load_posterior, sample_params
from medlead.experiments.calibration.apmc import (
    Population,
    effective_sample_size,
    kernel_scales,
    perturb,
    proposal_log_weights,
    run_apmc,
)
from medlead.experiments.calibration.posterior import PosteriorError, write_posterior
from medlead.experiments.calibration.prior import calibration_prior
from medlead.experiments.calibration.run import (
    CalibrationConfig,
    CalibrationError,
    calibrate,
    distances,
)
from medlead.model import Params
from medlead.model.batch import run_replications
from medlead.model.outputs import REPORTERS

ROOT = Path(__file__).resolve().parent.parent
MEDLEAD = [sys.executable, "-m", "medlead.experiments.cli"]


# ------------------------------------------------------------------ the algorithm
def _toy(shift_form: float = 0.0):
    """y = theta + N(0, 0.05) (+ shift under form 1); observed (0.3, 0.7)."""
    obs = np.array([0.3, 0.7])

    def simulate(t, u, m):
        rng = np.random.default_rng(1000 + t)
        y = u + rng.normal(0.0, 0.05, u.shape) + shift_form * m[:, [0]]
        return np.sqrt(((y - obs) ** 2).sum(axis=1)), y

    def sample_prior(n, rng):
        return rng.random((n, 2)), rng.integers(0, 2, (n, 1))

    return simulate, sample_prior


def _run_toy(shift_form=0.0, n=1000, gens=12):
    simulate, sample_prior = _toy(shift_form)
    return run_apmc(
        simulate,
        sample_prior=sample_prior,
        forms=(2,),
        n=n,
        alpha=0.5,
        min_acceptance=0.05,
        max_generations=gens,
        flip=0.1,
        rng_of=lambda t: np.random.default_rng([7, t]),
    )


def _moments(pop):
    w = pop.w / pop.w.sum()
    mean = (w[:, None] * pop.u).sum(axis=0)
    sd = np.sqrt((w[:, None] * (pop.u - mean) ** 2).sum(axis=0))
    return mean, sd, w


def test_apmc_recovers_a_known_posterior():
    # Uniform prior, Gaussian noise sd 0.05: the exact posterior is N(obs, 0.05) (the
    # ABC tolerance widens it a little).
    pop, history = _run_toy(shift_form=0.5)
    mean, sd, w = _moments(pop)
    assert np.allclose(mean, [0.3, 0.7], atol=0.02)
    assert np.all(sd < 0.09) and np.all(sd > 0.03)
    # The switch's form 1 shifts y by 0.5: the data rule it out (model choice).
    assert w[pop.m[:, 0] == 0].sum() > 0.95
    eps = [g.epsilon for g in history]
    assert all(b <= a for a, b in zip(eps, eps[1:], strict=False))  # tolerance never grows
    assert history[0].acceptance == 1.0 and history[0].simulated == 1000
    assert all(g.simulated == 500 for g in history[1:])


def test_apmc_is_deterministic():
    a, ha = _run_toy(n=200, gens=4)
    b, hb = _run_toy(n=200, gens=4)
    for field in ("u", "m", "w", "d", "born"):
        assert np.array_equal(getattr(a, field), getattr(b, field))
    assert ha == hb


def test_proposal_weights_by_hand():
    # One continuous parameter, one switch of 3 forms, two particles.
    u = np.array([[0.3], [0.6]])
    pop = Population(
        u=u,
        m=np.array([[0], [2]]),
        w=np.array([1.0, 3.0]),
        d=np.zeros(2),
        born=np.zeros(2, int),
        stats=np.zeros((2, 0)),
    )
    sigma = kernel_scales(pop)
    wn = np.array([0.25, 0.75])
    var = np.sum(wn * u.ravel() ** 2) - np.sum(wn * u.ravel()) ** 2
    assert sigma[0] == pytest.approx(math.sqrt(2 * var), rel=1e-12)
    x, form, q, s = 0.05, 2, 0.1, sigma[0]

    def folded(y, c):  # density at y of a normal around c reflected at 0 and 1
        return sum(stats.norm.pdf(z, c, s) for n in range(-3, 4) for z in (y + 2 * n, -y + 2 * n))

    prior = 1 / 3
    disc = [q / 2, 1 - q]  # form 2 differs from particle 0's form 0, equals particle 1's
    expected = prior / (wn[0] * folded(x, 0.3) * disc[0] + wn[1] * folded(x, 0.6) * disc[1])
    got = np.exp(proposal_log_weights(np.array([[x]]), np.array([[form]]), pop, sigma, (3,), q))
    assert got[0] == pytest.approx(expected, rel=1e-9)
    # The folded normal is a density on [0, 1].
    grid = np.linspace(0, 1, 20001)
    assert np.trapezoid(folded(grid, 0.3), grid) == pytest.approx(1.0, abs=1e-6)


def test_perturb_stays_in_the_prior_box_and_flips_switches():
    rng = np.random.default_rng(0)
    pop = Population(
        u=rng.random((50, 30)),
        m=np.zeros((50, 2), int),
        w=np.ones(50),
        d=np.zeros(50),
        born=np.zeros(50, int),
        stats=np.zeros((50, 0)),
    )
    u, m = perturb(pop, 2000, rng, kernel_scales(pop), (2, 3), flip=0.2)
    assert np.all((u >= 0) & (u <= 1))
    assert 0.15 < np.mean(m[:, 0] != 0) < 0.25
    assert set(np.unique(m[:, 1])) == {0, 1, 2}


def test_weights_stay_even_where_the_data_say_nothing():
    # 40 parameters, 2 informative: the uninformed ones must not collapse the weights.
    obs = np.array([0.3, 0.7])

    def simulate(t, u, m):
        rng = np.random.default_rng(2000 + t)
        y = u[:, :2] + rng.normal(0.0, 0.05, (len(u), 2))
        return np.sqrt(((y - obs) ** 2).sum(axis=1)), y

    pop, history = run_apmc(
        simulate,
        sample_prior=lambda n, rng: (rng.random((n, 40)), np.zeros((n, 0), int)),
        forms=(),
        n=1000,
        alpha=0.5,
        min_acceptance=0.05,
        max_generations=10,
        flip=0.1,
        rng_of=lambda t: np.random.default_rng([8, t]),
    )
    assert min(g.ess for g in history) > 150
    mean, sd, _ = _moments(pop)
    assert np.allclose(mean[:2], obs, atol=0.03)
    assert np.all(np.abs(mean[2:] - 0.5) < 0.08) and np.all(sd[2:] > 0.22)  # still uniform


def test_effective_sample_size():
    assert effective_sample_size(np.ones(10)) == pytest.approx(10)
    assert effective_sample_size(np.array([1.0, 0, 0, 0])) == pytest.approx(1)


def test_distance_is_rms_of_standardised_residuals():
    obs = [type("O", (), {"value": v, "scale": s})() for v, s in ((0.5, 0.1), (1.0, 0.5))]
    d = distances(np.array([[0.6, 2.0], [np.nan, 1.0]]), obs)
    assert d[0] == pytest.approx(math.sqrt((1.0**2 + 2.0**2) / 2))
    assert d[1] == np.inf


# ------------------------------------------------------------------ prior, posterior
def test_prior_is_the_plausible_box():
    prior = calibration_prior()
    specs = Params.specs()
    assert set(prior.names) == {
        n for n, s in specs.items() if s.role == "uncertainty" and s.plausible is not None
    }
    for name, lo, hi in zip(prior.names, prior.lo, prior.hi, strict=True):
        assert (lo, hi) == specs[name].plausible
    assert len(prior.switches) == 4
    values = prior.values(np.full(prior.dim, 0.5), np.zeros(4, int))
    Params().replace(**values)  # a valid parameter set
    assert isinstance(values["engagement_weeks"], int)
    fixed = calibration_prior({"resonance"})
    assert "resonance" not in fixed.names and fixed.dim == prior.dim - 1
    assert calibration_prior(only=["reactance"], switches=False).names == ("reactance",)
    with pytest.raises(ValueError, match="no plausible range"):
        calibration_prior(only=["weeks"])


def _posterior(tmp_path, weights=(0.0, 1.0, 0.0)):
    frame = pd.DataFrame(
        {
            "particle": [0, 1, 2],
            "internalisation_rate": [0.01, 0.03, 0.05],
            "reactance_form": ["damping", "boomerang", "damping"],
            "weight": list(weights),
            "distance": [0.1, 0.2, 0.3],
            "born": [0, 1, 1],
        }
    )
    return write_posterior(tmp_path / "posterior.parquet", frame, {"cases": ["x"]})


def test_posterior_round_trip_and_sampling(tmp_path):
    post = load_posterior(_posterior(tmp_path))
    assert post.attrs["calibration"] == {"cases": ["x"]}
    draws = sample_params(post, 5, np.random.default_rng(1), base=Params(resonance=0.7))
    assert all(p.internalisation_rate == 0.03 and p.reactance_form == "boomerang" for p in draws)
    assert all(p.resonance == 0.7 for p in draws)
    kept = sample_params(post, 2, np.random.default_rng(1), keep=["internalisation_rate"])
    assert all(p.internalisation_rate == Params().internalisation_rate for p in kept)


def test_bad_posterior_files(tmp_path):
    with pytest.raises(PosteriorError, match="not found"):
        load_posterior(tmp_path / "missing.parquet")
    (tmp_path / "junk.parquet").write_text("not parquet")
    with pytest.raises(PosteriorError, match="not a Parquet"):
        load_posterior(tmp_path / "junk.parquet")
    pd.DataFrame({"a": [1]}).to_parquet(tmp_path / "other.parquet")
    with pytest.raises(PosteriorError, match="not a medlead posterior"):
        load_posterior(tmp_path / "other.parquet")


def test_bad_configuration():
    with pytest.raises(CalibrationError) as exc:
        CalibrationConfig(population=2, alpha=1.5, flip=0).check()
    assert len(exc.value.problems) == 3


# ------------------------------------------------------------------ synthetic truth
SMALL = {"n_directorates": 2, "microsystems_per_directorate": 3}
TRUTH = {"compliance_gain": 0.3, "compliance_half_life": 20.0}
SERIES = [
    ("mean_compliance", 5),
    ("mean_compliance", 10),
    ("mean_compliance", 20),
    ("mean_compliance", 30),
    ("mean_compliance", 45),
    ("practising_share", 30),
]
REPS = 4  # Trusts per particle: one small Trust's outputs vary a lot from run to run


def _synthetic_case(path: Path, use: str = "calibrate") -> Path:
    """A case whose 'observations' are medlead's own output at TRUTH.

    The figure is the mean of 16 Trusts; its sd that of a mean of REPS Trusts (what a
    particle's runs give), from the same 16.
    """
    p = Params(**SMALL, **TRUTH, strategy="mandate", weeks=50, withdrawal_week=20)
    seeds = [np.random.SeedSequence(99, spawn_key=(i,)) for i in range(16)]
    hist = np.array([r.history for r in run_replications(p, seeds)])
    col = {n: i for i, n in enumerate(REPORTERS)}
    observations = [
        {
            "name": f"{name}_{week}",
            "reported": "simulated by medlead at known parameters",
            "value": float(hist[:, week, col[name]].mean()),
            "sd": float(hist[:, week, col[name]].std(ddof=1) / math.sqrt(REPS)),
            "sd_basis": "run-to-run sd at the truth over sqrt(REPS)",
            "statistic": name,
            "week": week,
            "tolerance": 0.01,
            "tolerance_basis": "chosen for the test",
        }
        for name, week in SERIES
    ]
    case = {
        "id": path.stem,
        "title": "Synthetic truth",
        "use": use,
        "summary": "Data simulated by medlead itself at known parameter values.",
        "sources": [{"cite": "medlead, tests/test_calibration.py"}],
        "setting": {
            "strategy": "mandate",
            "weeks": 50,
            "withdrawal_week": 20,
            "set": SMALL,
            "replications": REPS,
        },
        "judgements": [{"what": "no mapping needed", "why": "the data are the model's own"}],
        "observations": observations,
    }
    path.write_text(tomli_w.dumps(case))
    return path


def test_abc_recovers_known_parameters(tmp_path):
    case = _synthetic_case(tmp_path / "synthetic.toml")
    cfg = CalibrationConfig(
        cases=(str(case),),
        population=80,
        max_generations=6,
        min_acceptance=0.02,
        predictive_draws=4,
        only=tuple(TRUTH),
        switches=False,
        headline=False,
        seed=3,
    )
    res = calibrate(cfg, tmp_path / "out", store=tmp_path / "store", workers=1)
    post = res.posterior
    w = post["weight"].to_numpy()
    specs = Params.specs()
    for name, truth in TRUTH.items():
        lo, hi = specs[name].plausible
        mean = float(np.sum(w * post[name]))
        sd = float(np.sqrt(np.sum(w * (post[name] - mean) ** 2)))
        assert abs(mean - truth) < 0.15 * (hi - lo), (name, mean, truth)
        assert sd < 0.75 * (hi - lo) / math.sqrt(12), (name, sd)  # narrower than the prior
    assert (tmp_path / "out" / "report.md").exists()
    assert (tmp_path / "out" / "img" / "marginals.png").exists()
    pred = pd.read_csv(tmp_path / "out" / "predictive.csv")
    assert set(pred["source"]) == {"posterior", "prior"}


# ------------------------------------------------------------------ resume, workers
def _cli(args, **kw):
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([*MEDLEAD, "calibrate", *args], env=env, cwd=ROOT, **kw)


def test_resume_after_kill_gives_the_same_posterior(tmp_path):
    case = _synthetic_case(tmp_path / "synthetic.toml")
    common = [f"--cases={case}", "--population=16", "--generations=3", "--draws=2", "-q"]
    ref = _cli(
        [*common, "--out", str(tmp_path / "a"), "--store", str(tmp_path / "sa"), "--workers", "2"]
    )
    assert ref.wait(timeout=600) == 0
    # Kill -9 the second calibration once its second generation has started storing runs.
    proc = _cli(
        [*common, "--out", str(tmp_path / "b"), "--store", str(tmp_path / "sb"), "--workers", "1"],
        start_new_session=True,
    )
    parts = tmp_path / "sb" / "g01" / "runs"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:
        if parts.exists() and any(parts.glob("*.parquet")):
            os.killpg(proc.pid, signal.SIGKILL)
            break
        time.sleep(0.05)
    proc.wait(timeout=60)
    assert not (tmp_path / "b" / "posterior.parquet").exists(), "killed too late to test"
    again = _cli(
        [*common, "--out", str(tmp_path / "b"), "--store", str(tmp_path / "sb"), "--workers", "1"]
    )
    assert again.wait(timeout=600) == 0
    a = load_posterior(tmp_path / "a" / "posterior.parquet")
    b = load_posterior(tmp_path / "b" / "posterior.parquet")
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    ga = pd.read_csv(tmp_path / "a" / "generations.csv")
    gb = pd.read_csv(tmp_path / "b" / "generations.csv")
    pd.testing.assert_frame_equal(ga, gb, check_exact=True)


def test_cli_errors(tmp_path):
    def run(*args):
        r = subprocess.run([*MEDLEAD, "calibrate", *args], cwd=ROOT, capture_output=True, text=True)
        return r.returncode, r.stderr + r.stdout

    code, text = run("--out", str(tmp_path / "o"), "--cases", "no_such_case")
    assert code == 2 and "unknown case 'no_such_case'" in text and "Traceback" not in text
    code, text = run("--out", str(tmp_path / "o"), "--population", "2")
    assert code == 2 and "population 2" in text
    case = _synthetic_case(tmp_path / "synthetic.toml", use="holdout")
    code, text = run("--out", str(tmp_path / "o"), f"--cases={case}")
    assert code == 2 and "no calibrating case" in text


def test_store_of_another_configuration_is_refused(tmp_path):
    case = _synthetic_case(tmp_path / "synthetic.toml")
    cfg = CalibrationConfig(
        cases=(str(case),),
        population=8,
        max_generations=1,
        predictive_draws=2,
        only=tuple(TRUTH),
        switches=False,
        headline=False,
    )
    calibrate(cfg, tmp_path / "o", store=tmp_path / "s", workers=1)
    other = dataclasses.replace(cfg, seed=5)
    with pytest.raises(CalibrationError, match="another configuration"):
        calibrate(other, tmp_path / "o", store=tmp_path / "s", workers=1)
    calibrate(other, tmp_path / "o", store=tmp_path / "s", workers=1, fresh=True)


def test_quick_calibration_of_the_shipped_cases(tmp_path):
    """`medlead calibrate --quick`: every shipped case, the whole path, in about a minute."""
    r = subprocess.run(
        [
            *MEDLEAD,
            "calibrate",
            "--quick",
            "--out",
            str(tmp_path / "q"),
            "--store",
            str(tmp_path / "s"),
            "--workers",
            "2",
            "-q",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    out = tmp_path / "q"
    post = load_posterior(out / "posterior.parquet")
    assert len(post) == 12 and post["weight"].sum() == pytest.approx(1.0)
    meta = post.attrs["calibration"]
    assert set(meta["calibrating"]) == {"who_checklist_nhs", "keystone_icu"}
    pred = pd.read_csv(out / "predictive.csv")
    assert {"matching_michigan", "trust_variation"} <= set(pred[pred["use"] == "holdout"]["case"])
    head = pd.read_csv(out / "headline.csv")
    assert set(head["arm"]) == {"none", "mandate", "persuasion", "hybrid"}
    report = (out / "report.md").read_text()
    for section in (
        "## ABC diagnostics",
        "## Held-out cases",
        "## The headline under the posterior",
        "**Priors that did not move**",
        "Quick mode",
    ):
        assert section in report
    for fig in ("diagnostics", "marginals", "pairs", "predictions", "headline", "switches"):
        assert (out / "img" / f"{fig}.png").exists()
