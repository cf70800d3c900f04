"""Every named experiment ships as a valid scenario file and is documented."""

from pathlib import Path

import pytest

from medlead.experiments.engine.scenario import load_scenario, named_scenarios

NAMED = (
    "headline",
    "bureaucracy",
    "critical_mass",
    "engagement_gap",
    "resonance",
    "high_performers",
    "trust_variation",
    "sensitivity",
    "structures",
    "ablations",
)
DOCS = Path(__file__).resolve().parents[1] / "docs" / "experiments.md"


def test_every_named_experiment_ships():
    assert set(NAMED) <= set(named_scenarios())


@pytest.mark.parametrize("name", NAMED)
def test_named_experiment_validates_and_is_described(name):
    sc = load_scenario(name)
    assert sc.name == name
    assert sc.spec.description
    assert sc.n_runs > 0


@pytest.mark.parametrize("name", NAMED)
def test_named_experiment_is_documented(name):
    assert f"`{name}`" in DOCS.read_text()
