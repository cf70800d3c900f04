"""Parameters drawn from a calibration's posterior, for designs and for single runs.

``medlead sweep|compare --posterior FILE`` runs a design whose replication ``r`` of
**every** point uses posterior draw ``r`` (:func:`posterior_design`): the strategies
stay paired on parameters as well as on hospitals, and the run seeds are the design's
own (replication ``r`` still meets the same hospital as without a posterior), so the
analysis, which pairs by replication, reads the folder unchanged. ``medlead run
--posterior FILE`` draws one parameter set for its one run (:func:`posterior_run`).

The particles are drawn by weight, with replacement, as
:func:`~medlead.experiments.calibration.posterior.sample_params` draws them, with a
generator spawned from the root seed on a key of its own, :data:`POSTERIOR_SPAWN_KEY`:
``SeedSequence(seed, spawn_key=(POSTERIOR_SPAWN_KEY,))``. A run's seeds are
``(r,)``-keyed children of the root (or ``(*prefix, r)``) and its streams their children;
a ``medlead run``'s streams are the keys ``(0,)``, ``(1,)``, ``(2,)``. So the draw never
shares a stream with a run, whatever the number of replications (at most 100,000).

A drawn value replaces the point's value, except for the parameters the user fixed on
purpose (``keep``): a point's own factor values (and the values its ablation sets), the
scenario's ``[params]`` and its top-level ``weeks``/``withdrawal_week``; for ``medlead
run``, everything set in ``--config``, with ``--set``, ``--weeks`` or ``--strategy``.
A preset's values do not count as fixed: the posterior replaces them.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from medlead.experiments.calibration.posterior import (
    PosteriorError,
    draw_particles,
    load_posterior,
    parameter_columns,
    particle_params,
    plain_value,
)
from medlead.experiments.engine.ablations import ABLATION_NAMES, ablation
from medlead.experiments.engine.config import RunConfig
from medlead.experiments.engine.design import Design, DesignPoint
from medlead.experiments.engine.runfolder import file_sha256
from medlead.experiments.engine.scenario import ABLATION_FACTOR, Scenario
from medlead.model import Params

__all__ = [
    "POSTERIOR_SPAWN_KEY",
    "Posterior",
    "draw_particles",
    "particle_params",
    "posterior_design",
    "posterior_rng",
    "posterior_run",
    "posterior_scenario",
    "read_posterior",
    "scenario_keep",
]

POSTERIOR_SPAWN_KEY = 0x706F7374
"""The spawn key of the posterior's draws (``b"post"`` as an integer, 1886352244): above
any replication number, and no run's stream."""
DESIGN_DRAWS = (
    f"particles drawn by weight with SeedSequence(seed, spawn_key=({POSTERIOR_SPAWN_KEY},)); "
    "replication r of every point uses draw r"
)
RUN_DRAWS = (
    f"one particle drawn by weight with SeedSequence(seed, spawn_key=({POSTERIOR_SPAWN_KEY},))"
)


@dataclass(frozen=True)
class Posterior:
    """A posterior table with where it came from (its file and content hash)."""

    table: pd.DataFrame
    path: Path | None
    sha256: str

    @property
    def parameters(self) -> list[str]:
        """The calibrated parameters, in ``Params`` order."""
        return parameter_columns(self.table)

    def record(self) -> dict[str, Any]:
        """What a manifest records of it: path, content hash, particles, parameters."""
        return {
            "path": str(self.path) if self.path is not None else None,
            "sha256": self.sha256,
            "particles": len(self.table),
            "parameters": self.parameters,
        }


def read_posterior(source: str | Path | pd.DataFrame | Posterior) -> Posterior:
    """The posterior of a ``posterior.parquet`` file (or of a table already loaded).

    Raises:
        PosteriorError: the file is missing, not Parquet, not a medlead posterior, or
            holds no particle.
    """
    if isinstance(source, Posterior):
        return source
    if isinstance(source, pd.DataFrame):
        digest = hashlib.sha256(",".join(map(str, source.columns)).encode())
        digest.update(pd.util.hash_pandas_object(source, index=False).to_numpy().tobytes())
        post = Posterior(table=source, path=None, sha256=digest.hexdigest())
    else:
        path = Path(source)
        if path.is_dir():
            raise PosteriorError([f"posterior file {path} is a folder, not a posterior.parquet"])
        table = load_posterior(path)
        post = Posterior(table=table, path=path.absolute(), sha256=file_sha256(path))
    if len(post.table) == 0:
        raise PosteriorError([f"{post.path or 'the posterior'}: holds no particle"])
    return post


def posterior_rng(root_seed: int) -> np.random.Generator:
    """The generator of the posterior's draws for root seed ``root_seed``."""
    return np.random.default_rng(
        np.random.SeedSequence(int(root_seed), spawn_key=(POSTERIOR_SPAWN_KEY,))
    )


def point_keep(point: DesignPoint) -> set[str]:
    """The parameters a point fixes itself: its factors and what its ablation sets."""
    names = set(Params.names())
    kept = {f for f in point.factors if f in names}
    name = point.factors.get(ABLATION_FACTOR)
    if name is not None and name in ABLATION_NAMES:
        kept |= set(ablation(str(name)).params)
    return kept


def posterior_design(
    design: Design, posterior: str | Path | pd.DataFrame | Posterior, *, keep: Iterable[str] = ()
) -> Design:
    """``design`` with replication ``r`` of every point drawn from ``posterior`` (draw ``r``).

    Each point keeps its own factor values (and its ablation's), and every point keeps
    ``keep`` (e.g. :func:`scenario_keep`); the rest of the drawn particle replaces the
    point's parameters. Seeds, points and columns stay the design's; its hash changes
    (it covers every replication's parameters), and :attr:`Design.inputs` records the
    posterior (path, content hash, the drawn rows) for the manifest.

    Raises:
        PosteriorError: the posterior cannot be read, the design already draws its
            parameters, or a drawn particle is refused at a point (one line).
    """
    post = read_posterior(posterior)
    if any(p.rep_params is not None for p in design.points):
        raise PosteriorError(
            [f"design {design.name!r} already gives each replication its own parameters"]
        )
    rows = draw_particles(post.table, design.max_replications, posterior_rng(design.seed))
    keep = set(keep)
    kept: set[str] = set()
    per_point: list[list[Params]] = []
    for point in design.points:
        fixed = keep | point_keep(point)
        kept |= fixed
        where = _where(point)
        made: dict[int, Params] = {}
        reps = []
        for r in range(design.reps(point)):
            i = int(rows[r])
            if i not in made:
                made[i] = particle_params(post.table, i, point.params, fixed, where=where)
            reps.append(made[i])
        per_point.append(reps)
    record = {
        **post.record(),
        "draws": DESIGN_DRAWS,
        "kept": [n for n in post.parameters if n in kept],
        "rows": [int(i) for i in rows],
    }
    return design.with_rep_params(per_point, inputs={"posterior": record})


def scenario_keep(scenario: Scenario) -> tuple[str, ...]:
    """The parameters a scenario sets for every point.

    Its ``[params]`` and its top-level ``weeks`` and ``withdrawal_week``.
    """
    spec = scenario.spec
    tops = [k for k in ("weeks", "withdrawal_week") if getattr(spec, k) is not None]
    return tuple(dict.fromkeys([*spec.params, *tops]))


def posterior_scenario(
    scenario: Scenario, posterior: str | Path | pd.DataFrame | Posterior
) -> Design:
    """The design of ``scenario`` under ``posterior``; the scenario's own values win."""
    return posterior_design(scenario.design, posterior, keep=scenario_keep(scenario))


def posterior_run(
    config: RunConfig, seed: int, posterior: str | Path | pd.DataFrame | Posterior
) -> tuple[RunConfig, dict[str, Any]]:
    """``config`` with one parameter set drawn from ``posterior`` for root seed ``seed``.

    The values the user set (``config.explicit``) win over the particle's. Returns the
    new configuration and what ``manifest.json`` records of the draw (the posterior's
    path and hash, the row drawn and its ``particle`` number).

    Raises:
        PosteriorError: the posterior cannot be read, or the drawn particle is refused.
    """
    post = read_posterior(posterior)
    (row,) = draw_particles(post.table, 1, posterior_rng(seed))
    row = int(row)
    params = particle_params(post.table, row, config.params, config.explicit)
    particle = post.table["particle"].iat[row] if "particle" in post.table else row
    record = {
        **post.record(),
        "draws": RUN_DRAWS,
        "kept": [n for n in post.parameters if n in set(config.explicit)],
        "row": row,
        "particle": plain_value(particle),
    }
    return dataclasses.replace(config, params=params), record


def _where(point: DesignPoint) -> str:
    shown = ", ".join(f"{k}={v!r}" for k, v in point.factors.items())
    if len(shown) > 120:
        shown = shown[:117] + "..."
    return f" at point {point.index}" + (f" ({shown})" if shown else "")
