"""Analysis figures are produced, in PNG and SVG, and are not empty."""

import numpy as np
import pandas as pd

from medlead.experiments.analysis import figures


def _runs():
    rng = np.random.default_rng(0)
    rows = []
    for ls in (0.1, 0.3, 0.5):
        for t in (0.5, 1.0, 2.0):
            for rep in range(3):
                rows.append(
                    {
                        "leader_share": ls,
                        "leader_time_pa": t,
                        "rep": rep,
                        "strategy": "persuasion",
                        "practising_share": min(1, ls * t + rng.normal(0, 0.02)),
                    }
                )
    return pd.DataFrame(rows)


def _check(paths):
    assert [p.suffix for p in paths] == [".png", ".svg"]
    for p in paths:
        assert p.stat().st_size > 2000


def test_phase_diagram(tmp_path):
    fig = figures.phase_diagram(
        _runs(), "leader_share", "leader_time_pa", "practising_share", title="critical mass"
    )
    _check(figures.save(fig, tmp_path / "phase"))


def test_phase_diagram_with_panels(tmp_path):
    runs = pd.concat([_runs().assign(strategy=s) for s in ("mandate", "persuasion")])
    fig = figures.phase_diagram(
        runs, "leader_share", "leader_time_pa", "practising_share", panel="strategy"
    )
    assert len(fig.axes) == 3  # two panels and the colour bar
    _check(figures.save(fig, tmp_path / "phase2"))


def test_sensitivity_bars(tmp_path):
    df = pd.DataFrame(
        {
            "factor": ["a", "b"],
            "S1": [0.3, 0.1],
            "S1_lo": [0.2, 0.0],
            "S1_hi": [0.4, 0.2],
            "ST": [0.5, 0.2],
            "ST_lo": [0.4, 0.1],
            "ST_hi": [0.6, 0.3],
        }
    )
    _check(figures.save(figures.sensitivity_bars(df, title="Sobol"), tmp_path / "sobol"))
    morris = pd.DataFrame(
        {
            "factor": ["a", "b"],
            "mu_star": [0.3, 0.1],
            "mu_star_lo": [0.2, 0.0],
            "mu_star_hi": [0.4, 0.2],
        }
    )
    _check(figures.save(figures.sensitivity_bars(morris), tmp_path / "morris"))


def test_distribution(tmp_path):
    _check(
        figures.save(
            figures.distribution(_runs(), "leader_share", "practising_share"), tmp_path / "dist"
        )
    )
