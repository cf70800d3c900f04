"""Mesa agents are views on the model's arrays: they agree after writes through either."""

from __future__ import annotations

import mesa
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from medlead.agents import ArrayAttribute, Doctor, Manager, Nurse, StaffAgent
from medlead.model import HospitalModel, Leader, Params, Role, World
from medlead.model.state import PER_AGENT_STATE

SMALL = Params(n_directorates=1, microsystems_per_directorate=2, weeks=10)
FLOATS = [n for n in PER_AGENT_STATE if n not in ("practising", "champion")]
BOOLS = ["practising", "champion"]


@pytest.fixture(scope="module")
def model() -> HospitalModel:
    return HospitalModel(SMALL, rng=1)


def test_every_per_agent_state_is_an_agent_attribute():
    for name in PER_AGENT_STATE:
        assert isinstance(StaffAgent.__dict__[name], ArrayAttribute), name
        assert StaffAgent.__dict__[name].__doc__


def test_agent_classes_by_world(model):
    org = model.organisation
    assert len(model.staff) == org.n
    assert len(model.agents) == org.n
    expected = {World.DOCTOR: Doctor, World.NURSE: Nurse, World.MANAGER: Manager}
    for i, agent in enumerate(model.staff):
        assert agent.index == i
        assert type(agent) is expected[World(int(org.world[i]))]
        assert isinstance(agent, mesa.Agent)
    roles = {type(a): set() for a in model.staff}
    for a in model.staff:
        roles[type(a)].add(a.role)
    assert roles[Doctor] == {"consultant", "junior", "medical_director"}
    assert roles[Nurse] == {"nurse", "ward_leader", "nursing_director"}
    assert roles[Manager] == {"microsystem_manager", "general_manager", "chief_executive"}
    assert set(model.agents_by_type) == {Doctor, Nurse, Manager}


def test_descriptive_attributes(model):
    org = model.organisation
    for i, a in enumerate(model.staff):
        assert a.role == Role(int(org.role[i])).name.lower()
        assert a.leadership_role == Leader(int(org.leader[i])).name.lower()
        assert a.microsystem == org.microsystem[i]
        assert repr(a).startswith(f"<{type(a).__name__} {i} ")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_agents_and_arrays_agree_after_writes_through_either(data):
    m = HospitalModel(SMALL, rng=data.draw(st.integers(0, 1000)))
    n = m.organisation.n
    for _ in range(data.draw(st.integers(1, 10))):
        i = data.draw(st.integers(0, n - 1))
        name = data.draw(st.sampled_from(list(PER_AGENT_STATE)))
        is_bool = name in BOOLS
        value = data.draw(st.booleans() if is_bool else st.floats(0.0, 1.0))
        agent = m.staff[i]
        if data.draw(st.booleans()):
            setattr(agent, name, value)  # through the agent
        else:
            getattr(m.state, name)[i] = value  # through the array
        assert getattr(agent, name) == value
        assert getattr(m.state, name)[i] == value
        assert isinstance(getattr(agent, name), bool if is_bool else float)
    # Every agent reads its own row of every array.
    for a in m.staff:
        for name in PER_AGENT_STATE:
            assert getattr(a, name) == getattr(m.state, name)[a.index]


def test_agents_follow_the_arrays_through_steps(model):
    m = HospitalModel(SMALL.replace(strategy="mandate"), rng=2)
    m.staff[0].commitment = 0.9
    assert m.state.commitment[0] == 0.9
    m.run(5)  # the step replaces the arrays; agents read the new ones
    for a in m.staff:
        assert a.commitment == m.state.commitment[a.index]
        assert a.compliance == m.state.compliance[a.index]
        assert a.practising == bool(m.state.practising[a.index])
    assert any(a.compliance > 0 for a in m.staff)


def test_engaged_with(model):
    m = HospitalModel(SMALL.replace(strategy="persuasion"), rng=3)
    m.run(3)
    engaged = [a for a in m.staff if a.engaged_with is not None]
    assert engaged
    for a in engaged:
        assert a.engaged_with is m.staff[int(m.state.target[a.index])]
    idle = [a for a in m.staff if m.state.target[a.index] < 0]
    assert all(a.engaged_with is None for a in idle)


def test_agent_table_matches_the_agents(model):
    table = model.agent_table()
    assert len(table) == model.organisation.n
    for a in model.staff[:20]:
        row = table.iloc[a.index]
        assert row["role"] == a.role
        assert row["commitment"] == a.commitment
        assert bool(row["practising"]) == a.practising
    np.testing.assert_array_equal(table["microsystem"], model.organisation.microsystem)
