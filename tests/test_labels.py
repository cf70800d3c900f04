"""One source of display names, units and descriptions; share intervals inside [0, 1]."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from medlead.experiments.analysis.stats import (
    bootstrap_mean_ci,
    ci_method_note,
    mean_ci,
    outcome_ci,
)
from medlead.model import REPORTERS, SUMMARY_KEYS, Params
from medlead.model import labels as L


def test_every_parameter_and_output_has_a_title_and_a_description():
    assert L.MISSING_OUTPUTS == ()
    for name in [*Params.names(), *REPORTERS, *SUMMARY_KEYS]:
        lab = L.label(name)
        assert lab.title and lab.title[0].isupper() and "_" not in lab.title, name
        assert lab.doc, name
    for name, spec in Params.specs().items():
        if spec.unit:  # the declaration's unit, shown in its display form
            assert L.unit(name), name


@pytest.mark.parametrize(
    "name, shown",
    [
        ("leader_time_pa", "Leader time (PA a week)"),
        ("mandate_pressure", "Mandate pressure (0–1 a week)"),
        ("practising_share", "Practising (share of clinical staff)"),
        ("sustained_practising_share", "Practising at week 156 (share of clinical staff)"),
        ("leadership_hours", "Leadership hours (hours, cumulative)"),
        ("committed_share_junior", "Committed, junior doctors (share of junior doctors)"),
        ("strategy", "Strategy"),
        ("ablation", "Ablation"),  # not a parameter: derived from the name
    ],
)
def test_display_names(name, shown):
    assert L.display(name) == shown


def test_bounded_outputs_are_the_shares_and_scores():
    assert L.is_bounded("practising_share") and L.is_bounded("mean_commitment")
    assert L.is_bounded("committed_share_manager") and L.is_bounded("leader_share")
    assert not L.is_bounded("engagement_gap") and not L.is_bounded("leadership_hours")
    assert not L.is_bounded("weeks_to_half_practising")


def test_plural_and_numbers():
    assert L.plural(1, "replication") == "1 replication"
    assert L.plural(4, "replication") == "4 replications"
    assert L.plural(1200, "run") == "1,200 runs"
    assert L.fmt_number(-0.0001) == "0.000"
    assert L.fmt_number(None) == L.fmt_number(math.nan) == "—"
    assert L.fmt_number(3421.3) == "3,421" and L.fmt_number(0.25) == "0.250"


@pytest.mark.parametrize("values", [[0.0, 0.0, 0.01], [0.99, 1.0, 1.0, 1.0], [0.0, 1.0]])
def test_a_share_interval_stays_inside_zero_one(values):
    t = mean_ci(values)
    assert t.low < 0 or t.high > 1  # the Student-t interval crosses a bound here
    ci = outcome_ci("practising_share", values)
    assert ci.method == "bootstrap" and 0 <= ci.low <= ci.mean <= ci.high <= 1
    lo, hi = (float(x) for x in re.findall(r"-?\d\.\d+", ci.format(3))[1:])
    assert 0 <= lo <= hi <= 1 and "-0.000" not in ci.format(3)


def test_bootstrap_is_reproducible_and_close_to_t_for_many_values():
    x = np.random.default_rng(1).uniform(0.3, 0.7, 200)
    a, b = bootstrap_mean_ci(x), bootstrap_mean_ci(x)
    assert (a.low, a.high) == (b.low, b.high)
    t = mean_ci(x)
    assert a.low == pytest.approx(t.low, abs=0.005) and a.high == pytest.approx(t.high, abs=0.005)
    assert outcome_ci("engagement_gap", x).method == "t"  # not bounded: Student-t
    assert bootstrap_mean_ci([0.4]).format(3) == "0.400"  # one value: no interval


def test_the_method_note_names_the_methods_used():
    assert ci_method_note([bootstrap_mean_ci([0.1, 0.2])]) == "95% CI: bootstrap percentile"
    assert ci_method_note([mean_ci([1.0, 2.0])]) == "95% CI: Student-t"
    both = ci_method_note([mean_ci([1.0, 2.0]), bootstrap_mean_ci([0.1, 0.2])])
    assert "bootstrap percentile for shares" in both and "Student-t otherwise" in both
