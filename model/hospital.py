"""``HospitalModel``: the Mesa model around the vectorised core."""

from __future__ import annotations

import copy
import functools
import types
from typing import Any

import mesa
import numpy as np
import pandas as pd

from medlead.agents import Doctor, Manager, Nurse, StaffAgent
from medlead.model import dynamics
from medlead.model.organisation import Leader, Organisation, Role, World, build_organisation
from medlead.model.outputs import REPORTERS, history_frame, summarise, weekly_table
from medlead.model.params import Params
from medlead.model.seeds import seed_streams
from medlead.model.state import PER_AGENT_STATE, State, derive_constants, initial_state

AGENT_CLASS = {World.DOCTOR: Doctor, World.NURSE: Nurse, World.MANAGER: Manager}
RECORDED_AGENT_STATE: tuple[str, ...] = (
    "commitment",
    "compliance",
    "practising",
    "fidelity",
    "champion",
)


class HospitalModel(mesa.Model):
    """A Trust in which a change spreads, or fails to, week by week.

    Args:
        params: the parameters (defaults: the typical NHS Trust, persuasion strategy).
        rng: an integer seed or a ``SeedSequence``; ``None`` draws one (see ``seed``).
        record_agents: also keep per-agent series of commitment, compliance, practising,
            fidelity and champion status (array-backed; see :meth:`agent_series`).

    Attributes:
        organisation: the generated Trust (arrays and sparse ties).
        state: the mutable arrays the agents view.
        staff: agents by index (``staff[i]`` views row ``i``).
        datacollector: Mesa ``DataCollector`` of model-level scalars every week.
        seed: the integer seed shown to people (``None`` for a spawned SeedSequence).
    """

    def __init__(
        self,
        params: Params | None = None,
        *,
        rng: int | np.random.SeedSequence | None = None,
        record_agents: bool = False,
    ):
        self.params = params if params is not None else Params()
        self.seed, (org_ss, dyn_ss, mesa_ss) = seed_streams(rng)
        super().__init__(rng=np.random.default_rng(mesa_ss))
        self.organisation: Organisation = build_organisation(
            self.params, np.random.default_rng(org_ss)
        )
        self.dynamics_rng = np.random.default_rng(dyn_ss)
        self.constants = derive_constants(self.organisation, self.params)
        self.state: State = initial_state(self.organisation, self.params)
        # Week 0's practice follows from the initial state (no peers practising yet).
        dynamics.initial_practice(self.state, self.constants, self.params)
        self.staff: list[StaffAgent] = [
            AGENT_CLASS[World(int(w))](self, i) for i, w in enumerate(self.organisation.world)
        ]
        self._row: dict[str, float] = {}
        self._history = np.full((self.params.weeks + 1, len(REPORTERS)), np.nan)
        self._n_rows = 0
        self.record_agents = record_agents
        self._agent_history: dict[str, list[np.ndarray]] = {k: [] for k in RECORDED_AGENT_STATE}
        self.datacollector = WeeklyCollector(
            model_reporters={name: _reader(name) for name in REPORTERS}
        )
        self._collect()

    # ------------------------------------------------------------------ running
    def step(self) -> None:
        """Advance one week: every mechanism, then collect the week's reporters."""
        dynamics.step(self.state, self.constants, self.params, self.dynamics_rng)
        self._collect()
        if self.state.week >= self.params.weeks:
            self.running = False

    def run(self, weeks: int | None = None, progress: Any = None) -> dict[str, float | None]:
        """Run ``weeks`` more weeks (default: to the horizon) and return :meth:`summary`.

        Args:
            weeks: how many weeks to run; ``None`` runs to ``params.weeks``.
            progress: optional callable ``progress(week)`` called after each week.
        """
        n = self.params.weeks - self.state.week if weeks is None else weeks
        for _ in range(max(0, n)):
            self.step()
            if progress is not None:
                progress(self.state.week)
        return self.summary()

    def withdraw(self) -> None:
        """Withdraw the intervention now (pressure and paid time stop; champions carry on)."""
        self.state.withdrawn = True

    @property
    def week(self) -> int:
        """Weeks simulated so far."""
        return self.state.week

    @property
    def intervention_active(self) -> bool:
        """Whether the intervention runs in the coming week."""
        return dynamics.phase(self.params, self.state.week, self.state.withdrawn)[0]

    # ------------------------------------------------------------------ outputs
    def _collect(self) -> None:
        active, stigma = dynamics.reporting_context(self.params, self.state)
        row = weekly_table(
            self.state, self.constants, self.params.committed_cutoff, active, stigma
        )[0]
        self._row = dict(zip(REPORTERS, row.tolist(), strict=True))
        if self._n_rows >= self._history.shape[0]:
            self._history = np.vstack([self._history, np.full_like(self._history, np.nan)])
        self._history[self._n_rows] = row
        self._n_rows += 1
        self.datacollector.collect(self)
        if self.record_agents:
            for k in RECORDED_AGENT_STATE:
                self._agent_history[k].append(getattr(self.state, k).copy())

    @property
    def history(self) -> np.ndarray:
        """Weekly reporters so far as an array (rows = weeks 0..now, columns = REPORTERS)."""
        return self._history[: self._n_rows]

    def timeseries(self) -> pd.DataFrame:
        """Weekly reporters as a DataFrame (one row per week, including week 0)."""
        return history_frame(self.history)

    def summary(self) -> dict[str, float | None]:
        """The summary keys (``docs/data.md``), from the weeks run so far."""
        return summarise(self.history)

    def agent_series(self, name: str = "commitment") -> np.ndarray:
        """(weeks + 1, n) array of a recorded per-agent state (needs ``record_agents``)."""
        if not self.record_agents:
            raise RuntimeError("per-agent series need HospitalModel(..., record_agents=True)")
        if name not in RECORDED_AGENT_STATE:
            raise KeyError(f"{name!r} is not recorded; choose from {RECORDED_AGENT_STATE}")
        return np.stack(self._agent_history[name])

    def agent_table(self) -> pd.DataFrame:
        """Current per-agent state and attributes, one row per member of staff."""
        org = self.organisation
        df = pd.DataFrame({k: getattr(self.state, k) for k in PER_AGENT_STATE})
        df.insert(0, "role", [Role(int(r)).name.lower() for r in org.role])
        df.insert(1, "leadership_role", [Leader(int(r)).name.lower() for r in org.leader])
        df.insert(2, "microsystem", org.microsystem)
        df.insert(3, "directorate", org.directorate)
        return df

    def role_name(self, i: int) -> str:
        """Formal role of person ``i``."""
        return Role(int(self.organisation.role[i])).name.lower()

    def leadership_role_name(self, i: int) -> str:
        """Leadership role of person ``i``."""
        return Leader(int(self.organisation.leader[i])).name.lower()


class WeeklyCollector(mesa.DataCollector):
    """Mesa's ``DataCollector`` of the weekly reporters, without per-value overhead.

    Mesa's ``collect`` calls every reporter and deep-copies its value, 33 times a week;
    in a small Trust that cost as much as the mechanisms (docs/performance.md). The
    model has already computed the week's row of floats, which are immutable, so this
    appends them to the same ``model_vars`` lists; reporters added by hand afterwards
    still go through Mesa's own path.
    """

    def collect(self, model: HospitalModel) -> None:
        """Append this week's row (and anything Mesa's collector would record)."""
        row = model._row
        self._collection_steps.append(model.time)
        for name, values in self.model_vars.items():
            if name in row:
                values.append(row[name])
            else:
                values.append(copy.deepcopy(_call(self.model_reporters[name], model)))
        if self.agent_reporters or self.agenttype_reporters:
            reporters = self.model_reporters
            self.model_reporters = {}
            try:
                super().collect(model)
            finally:
                self.model_reporters = reporters


def _call(reporter: Any, model: HospitalModel) -> Any:
    """Evaluate a model reporter the way Mesa's ``DataCollector.collect`` does."""
    if isinstance(reporter, types.LambdaType | functools.partial):
        return reporter(model)
    if isinstance(reporter, str):
        return getattr(model, reporter, None)
    if isinstance(reporter, list):
        return reporter[0](*reporter[1])
    return reporter()


def _reader(name: str):
    """A Mesa model reporter reading this week's precomputed value."""
    return lambda m: m._row[name]
