"""``medlead validate``: the verdict rules on synthetic data, and the quick report end to end.

The verdicts themselves are findings, not assertions (docs/validation.md); these tests
check that the rules do what the report says they do and that the report is complete.
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from medlead.experiments import validation as v
from medlead.experiments.analysis.stats import MeanCI, mean_ci
from medlead.experiments.cli import app
from medlead.model import Params

ROOT = Path(__file__).resolve().parents[1]


def invoke(*args: str):
    return CliRunner().invoke(app, list(args))


# ------------------------------------------------------------------ verdict rules
def share(k: int, n: int) -> v.RegionShare:
    lo, hi = v.wilson(k, n)
    return v.RegionShare(k, n, lo, hi)


@pytest.mark.parametrize(
    ("at_defaults", "region", "expected"),
    [
        (v.STATUS_HOLDS, share(45, 50), v.HOLDS),  # majority: lower bound > 0.5
        (v.STATUS_FAILS, share(5, 50), v.FAILS),  # minority: upper bound < 0.5
        (v.STATUS_HOLDS, share(5, 50), v.MIXED),  # holds only at the defaults
        (v.STATUS_FAILS, share(45, 50), v.MIXED),  # holds only across the region
        (v.STATUS_HOLDS, share(25, 50), v.MIXED),  # split region
        (v.STATUS_FAILS, share(25, 50), v.MIXED),
        (v.STATUS_UNCLEAR, share(45, 50), v.MIXED),
        (v.STATUS_HOLDS, None, v.HOLDS),  # region not assessed: the defaults decide
        (v.STATUS_FAILS, None, v.FAILS),
        (v.STATUS_UNCLEAR, None, v.MIXED),
        (v.STATUS_HOLDS, v.RegionShare(0, 0, 0.0, 1.0), v.HOLDS),
    ],
)
def test_verdict_rule(at_defaults, region, expected):
    assert v.verdict(at_defaults, region) == expected


def test_region_status_uses_the_wilson_bounds():
    assert share(40, 50).status == "majority"
    assert share(10, 50).status == "minority"
    assert share(26, 50).status == "split"
    assert share(3, 4).status == "split"  # 0.75 but too few points to tell
    assert v.RegionShare(0, 0, 0.0, 1.0).status == "not assessed"


def test_wilson_matches_known_values():
    lo, hi = v.wilson(5, 10)
    assert (lo, hi) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    lo, hi = v.wilson(0, 10)
    assert lo == pytest.approx(0.0) and hi == pytest.approx(0.2775, abs=1e-4)
    lo, hi = v.wilson(10, 10)
    assert hi == pytest.approx(1.0) and lo == pytest.approx(0.7225, abs=1e-4)
    assert v.wilson(0, 0) == (0.0, 1.0)


def test_region_share_leaves_undefined_points_out():
    r = v.region_share([True, False, None, True])
    assert (r.k, r.n) == (2, 3)
    assert r.format().startswith("2/3 = 0.67")


def test_sign_status_needs_the_whole_ci_on_the_predicted_side():
    rng = np.random.default_rng(1)
    up = mean_ci(0.2 + rng.normal(0, 0.05, 30))
    flat = mean_ci(rng.normal(0, 0.05, 30))
    assert v.sign_status(up, +1) == v.STATUS_HOLDS
    assert v.sign_status(up, -1) == v.STATUS_FAILS
    assert v.sign_status(flat, +1) == v.STATUS_FAILS  # no detectable effect is not a pass
    assert v.sign_status(MeanCI(0.3, math.nan, math.nan, 1), +1) == v.STATUS_UNCLEAR


def test_paired_checks_use_common_random_numbers():
    # Large shared noise, small consistent difference: paired test detects it.
    rng = np.random.default_rng(2)
    base = rng.uniform(0, 1, 25)
    check = v.paired_check("a − b", base + 0.02, base, +1)
    assert check.status == v.STATUS_HOLDS
    assert check.ci.low > 0 and check.a_value > 0.5


def test_defaults_status_combines_parts():
    H, F, U = v.STATUS_HOLDS, v.STATUS_FAILS, v.STATUS_UNCLEAR
    assert v.defaults_status([H, H]) == H
    assert v.defaults_status([H, F]) == F
    assert v.defaults_status([H, U]) == U
    assert v.defaults_status([]) == U


@pytest.mark.parametrize(("n_true", "steep"), [(8.0, True), (1.0, False)])
def test_hill_fit_tells_a_switch_from_a_gradual_rise(n_true, steep):
    rng = np.random.default_rng(3)
    x = np.repeat(np.geomspace(0.02, 2.0, 12), 4)
    y = v.hill(x, 0.05, 0.8, 0.3, n_true) + rng.normal(0, 0.02, x.size)
    fit = v.hill_fit(x, np.clip(y, 0, 1))
    assert fit["x0"] == pytest.approx(0.3, rel=0.25)
    assert (fit["n"] >= v.HILL_MIN_STEEPNESS) is steep
    assert fit["top"] - fit["bottom"] == pytest.approx(0.75, abs=0.1)


def test_hill_fit_of_a_flat_outcome_is_undefined():
    fit = v.hill_fit(np.linspace(0.1, 1, 10), np.zeros(10))
    assert math.isnan(fit["n"])


def test_p10_p90_range_and_bootstrap():
    x = np.linspace(0, 1, 101)
    assert v.p10_p90_range(x) == pytest.approx(0.8)
    lo, hi = v.bootstrap_ci(x, v.p10_p90_range, 100, np.random.default_rng(0))
    assert lo <= 0.8 <= hi


def test_region_varies_only_uncertainties_and_presets_keep_their_values():
    names = v.uncertainty_names()
    specs = Params.specs()
    assert names and all(specs[n].role == "uncertainty" for n in names)
    sampled = {"autonomy": 0.55, "threshold_mean": 0.5}
    machine = v.condition_params("mach_mandate", sampled)
    prof = v.condition_params("prof_mandate", sampled)
    assert machine.autonomy == Params.preset("machine").autonomy  # the contrast wins
    assert prof.autonomy == 0.55 and machine.threshold_mean == prof.threshold_mean == 0.5
    assert v.condition_params("kp_hybrid", {"stigma": 0.7}).stigma == 0.15


# ------------------------------------------------------------------ quick report
@pytest.fixture(scope="module")
def quick_report(tmp_path_factory) -> tuple[Path, str]:
    folder = tmp_path_factory.mktemp("validate")
    out, store = folder / "validation.md", folder / "store"
    res = invoke("validate", "--quick", "--workers", "1", "--out", str(out), "--store", str(store))
    assert res.exit_code == 0, res.output
    assert f"{v.QUICK.n_runs} runs in" in res.stderr and "0 already stored" in res.stderr
    return out, out.read_text(encoding="utf-8")


def test_quick_report_has_a_verdict_and_numbers_for_every_pattern(quick_report):
    _, text = quick_report
    for pattern in v.PATTERNS:
        key = pattern.key
        section = text.split(f"## {key}. {pattern.title}")[1].split("\n## ")[0]
        assert re.search(r"Verdict: \*\*(holds|fails|mixed)\*\*", section), key
        assert re.search(r"\| -?\d+\.\d{3}|\| [+-]\d+\.\d{3}", section), key  # a number
        assert "Share of the plausible region where it holds:" in section
        row = next(line for line in text.splitlines() if line.startswith(f"| {key}. "))
        assert re.search(r"\*\*(holds|fails|mixed)\*\*", row)


def test_quick_report_states_rules_provenance_and_figures(quick_report):
    out, text = quick_report
    assert "## Verdict rules" in text
    assert "Command: `medlead validate --quick" in text
    assert re.search(r"Root seed: \d+; model version \S+", text)
    assert re.search(r"date \d{4}-\d\d-\d\d \d\d:\d\d UTC", text)
    assert "tests/test_theory.py" in text
    assert "microsystems_flipped_share" in text
    for name in ("validation_phase.png", "validation_critical_mass.png"):
        assert (out.parent / "img" / name).is_file()
        assert f"img/{name}" in text


def test_quick_report_states_where_its_runs_are_stored(quick_report):
    out, text = quick_report
    store = out.parent / "store"
    assert f"into the run store `{store}`, which a rerun resumes" in text
    assert f"this session made {v.QUICK.n_runs} of them on LocalCluster" in text
    assert (store / "manifest.json").is_file() and (store / "validation.toml").is_file()


def test_validate_reruns_from_the_store_without_running(quick_report, tmp_path):
    out, text = quick_report
    store = out.parent / "store"
    again = tmp_path / "again.md"
    res = invoke("validate", "--quick", "--out", str(again), "--store", str(store))
    assert res.exit_code == 0, res.output
    assert f"nothing to run; {v.QUICK.n_runs} already stored" in res.stderr
    body = [ln for ln in again.read_text().splitlines() if not ln.startswith("- Command:")]
    first = [ln for ln in text.splitlines() if not ln.startswith("- Command:")]
    changed = [a for a, b in zip(body, first, strict=True) if a != b]
    assert all("Root seed:" in a or "made by the sweep engine" in a for a in changed)
    assert f"({v.QUICK.n_runs} were already stored)" in again.read_text()


def test_default_stores_are_one_per_configuration():
    assert v.default_store(v.FULL) == Path("results/validation")
    assert v.default_store(v.QUICK) == Path("results/validation-quick")
    cfg = v.config_for(True, replications=2, seed=5)
    assert v.default_store(cfg) == Path("results/validation-quick-replications2-seed5")


def test_validate_errors_exit_2(tmp_path):
    res = invoke("validate", "--quick", "--workers", "0", "--out", str(tmp_path / "v.md"))
    assert res.exit_code == 2 and "--workers 0" in res.output
    res = invoke("validate", "--quick", "--out", str(tmp_path))
    assert res.exit_code == 2 and "is a folder" in res.output
    res = invoke("validate", "--quick", "--workers", "1", "--scheduler", "tcp://127.0.0.1:1")
    assert res.exit_code == 2 and "not both" in res.output
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    args = ["validate", "--quick", "--out", str(tmp_path / "v.md"), "--store", str(foreign)]
    res = invoke(*args)
    assert res.exit_code == 2 and "not a sweep folder" in res.stderr
    assert not (tmp_path / "v.md").exists() and os.listdir(foreign) == ["notes.txt"]


def test_validate_refuses_a_store_of_another_design(tmp_path):
    from medlead.experiments.engine.store import SweepStore

    store = tmp_path / "store"
    design, _ = v.validation_design(v.config_for(True, replications=3))
    SweepStore.open(store, design, command=[]).close()
    args = ["validate", "--quick", "--out", str(tmp_path / "v.md"), "--store", str(store)]
    res = invoke(*args)
    assert res.exit_code == 2, res.output
    assert "holds results of another validation design" in res.stderr
    assert "--fresh to replace them" in res.stderr


def test_committed_report_is_the_full_version():
    text = (ROOT / "docs" / "validation.md").read_text(encoding="utf-8")
    assert "Quick check" not in text
    assert "Command: `medlead validate" in text
    for pattern in v.PATTERNS:
        assert f"## {pattern.key}. " in text
    assert (ROOT / "docs" / "img" / "validation_phase.png").is_file()


def test_every_pattern_says_whether_it_could_hold_by_construction():
    assert [p.key for p in v.PATTERNS] == [f"P{i}" for i in range(1, len(v.PATTERNS) + 1)]
    assert {p.key: p.by_construction for p in v.PATTERNS} == v.BY_CONSTRUCTION
    for pattern in v.PATTERNS:
        short = re.split("[.:]", pattern.by_construction)[0]
        assert short in {"No", "Partly", "Largely yes", "In direction, partly"} or short.startswith(
            "Not by construction"
        ), pattern.key


def test_quick_report_share_intervals_stay_inside_zero_one(quick_report):
    _, text = quick_report
    # Unsigned intervals are levels (differences are printed signed): every one whose
    # mean is a share must lie in [0, 1], and no interval prints a negative zero. P6's
    # retention ratio (week 156 / week 104) is no share: it may exceed 1.
    shown = re.sub(r"ratio is \S+ \[[^]]*\]", "", text)
    levels = re.findall(r"(?<![+\-\d.])(\d+\.\d{2,3}) \[(-?\d+\.\d+), (-?\d+\.\d+)\]", shown)
    shares = [tuple(map(float, m)) for m in levels if float(m[0]) <= 1]
    assert len(shares) > 10
    for mean, lo, hi in shares:
        assert 0 <= lo <= mean <= hi <= 1, (mean, lo, hi)
    assert "-0.000" not in text
    assert "bootstrap percentile" in text and "Wilson" in text
    assert not re.search(r"\b1 (replications|runs|Trusts)\b|\(s\)", text)


def test_validate_without_out_writes_under_results_not_docs(quick_report, tmp_path, monkeypatch):
    out, _ = quick_report
    monkeypatch.chdir(tmp_path)
    res = invoke("validate", "--quick", "--store", str(out.parent / "store"))
    assert res.exit_code == 0, res.output
    report = tmp_path / "results" / "validate" / "validation-quick.md"
    assert report.is_file() and (report.parent / "img" / "validation_phase.png").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results"]  # nothing in docs/
    help_text = " ".join(invoke("validate", "--help").stdout.split())
    assert "default: results/validate/validation.md" in help_text
