"""Analysis figures are produced, in PNG and SVG, and are not empty."""

from pathlib import Path

import numpy as np
import pandas as pd

from medlead.experiments.analysis import figures
from medlead.model import REPORTERS, Params
from medlead.model import labels as L

DATA = Path(__file__).parent / "data"


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


# ------------------------------------------------------ every figure the CLI makes
def _assert_readable(fig, units: dict[str, str]) -> None:
    """Labelled axes (with the unit where the quantity has one); a legend for 2+ lines."""
    legends = list(fig.legends)
    lines = 0
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        xl, yl = ax.get_xlabel(), ax.get_ylabel()
        colourbar = not ax.get_xticks().size and yl  # a colour bar labels one axis
        assert yl, ax.get_title()
        assert xl or colourbar, ax.get_title()
        for label in (xl, yl):
            for name, unit in units.items():
                if label.startswith(L.label(name).title) and unit:
                    assert f"({unit})" in label or label == unit, (label, unit)
        named = [ln for ln in ax.get_lines() if not ln.get_label().startswith("_")]
        lines = max(lines, len(named))
        if ax.get_legend() is not None:
            legends.append(ax.get_legend())
    if lines > 1:
        assert legends, "more than one line and no legend"


def test_every_analysis_figure_has_labelled_axes_with_units():
    units = {n: L.unit(n) for n in ("leader_share", "leader_time_pa", "practising_share")}
    runs = _runs()
    _assert_readable(
        figures.phase_diagram(runs, "leader_share", "leader_time_pa", "practising_share"), units
    )
    fig = figures.distribution(runs, "leader_share", "practising_share")
    _assert_readable(fig, units)
    assert fig.axes[0].get_ylabel() == "Practising (share of clinical staff)"
    df = pd.DataFrame(
        {"factor": ["leader_time_pa"], "S1": [0.3], "S1_lo": [0.2], "S1_hi": [0.4]}
        | {"ST": [0.5], "ST_lo": [0.4], "ST_hi": [0.6]}
    )
    bars = figures.sensitivity_bars(df)
    _assert_readable(bars, units)
    ticks = [t.get_text() for t in bars.axes[0].get_yticklabels()]
    assert ticks == ["Leader time (PA a week)"]


def test_run_curves_label_both_axes_and_explain_every_line():
    p = Params().replace(weeks=20, withdrawal_week=10)
    weeks = np.arange(21)
    df = pd.DataFrame({"week": weeks} | {c: weeks / 40 for c in REPORTERS if c != "week"})
    fig = figures.curves_figure(df, p)
    _assert_readable(fig, {})
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "withdrawal (week 10)" in labels and "intervention (persuasion)" in labels


def test_sweep_curves_have_units_a_legend_and_n(tmp_path):
    from medlead.experiments.analysis.compare import curves_ci_figure
    from medlead.experiments.engine.runner import sweep

    out = tmp_path / "tiny"
    sweep(DATA / "tiny.toml", out, workers=1, progress=False)
    fig = curves_ci_figure(out)
    units = {n: L.unit(n) for n in REPORTERS}
    _assert_readable(fig, units)
    for ax in fig.axes:
        if ax.get_visible():
            lab = [L.label(n, 26) for n in REPORTERS if L.label(n, 26).title == ax.get_title()]
            assert lab and ax.get_ylabel() == (lab[0].unit or lab[0].title)
    caption = fig.get_suptitle()
    assert "n = 3 replications" in caption and "95% CI (bootstrap percentile)" in caption
    texts = [t.get_text() for t in fig.legends[0].get_texts()]
    assert {"none", "mandate", "persuasion", "hybrid", "withdrawal (week 16)"} <= set(texts)
    _assert_bands_inside(fig)


def _assert_bands_inside(fig) -> None:
    """Every CI band of a share lies within [0, 1] (bootstrap percentile bands)."""
    bands = 0
    for ax in fig.axes:
        for coll in ax.collections:
            for path in coll.get_paths():
                y = path.vertices[:, 1]
                assert y.min() >= 0 and y.max() <= 1, (ax.get_title(), y.min(), y.max())
                bands += 1
    assert bands


def test_a_sweep_of_many_points_is_drawn_as_small_multiples(tmp_path):
    """12 points: one panel per point (rows and columns follow the grid), read alone."""
    from medlead.experiments.analysis.compare import curves_ci_figure
    from medlead.experiments.engine.runner import sweep

    toml = tmp_path / "grid.toml"
    text = (DATA / "tiny.toml").read_text().replace('name = "tiny"', 'name = "grid"')
    toml.write_text(text + "resonance = [0.2, 0.5, 0.8]\n")
    out = tmp_path / "grid"
    sweep(toml, out, workers=1, progress=False)
    fig = curves_ci_figure(out)
    _assert_readable(fig, {n: L.unit(n) for n in REPORTERS})
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert len(panels) == 12
    # The last factor (resonance, 3 values) runs across a row; the first down the columns.
    assert panels[0].get_title() == "strategy none, resonance 0.2"
    assert panels[2].get_title() == "strategy none, resonance 0.8"
    assert panels[3].get_title() == "strategy mandate, resonance 0.2"
    for ax in panels:  # every panel labelled and on the same 0-1 scale
        assert ax.get_xlabel() == "week" and ax.get_ylabel()
        assert ax.get_ylim() == panels[0].get_ylim()
    texts = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "Practising (share of clinical staff)" in texts
    assert "Microsystems improved (share of microsystems)" in texts
    assert "withdrawal (week 16)" in texts

    # Each series keeps its line style in every panel, so the legend explains them all.
    def styles(ax) -> dict[str, tuple]:
        return {ln.get_label(): (ln.get_color(), ln.get_linestyle()) for ln in ax.get_lines()}

    for ax in panels[1:]:
        assert styles(ax) == styles(panels[0])
    series = {k: v for k, v in styles(panels[0]).items() if not k.startswith("withdrawal")}
    assert len(series) == 5 and len(set(series.values())) == 5
    caption = fig.get_suptitle()
    assert "one panel per point (12 points)" in caption and "n = 3 replications" in caption
    assert "95% CI (bootstrap percentile)" in caption
    _assert_bands_inside(fig)
