"""A calibration's posterior as a table, and parameter sets drawn from it.

``posterior.parquet`` holds one row per particle: the value of every calibrated
parameter (switches as their form's name), its normalised ``weight``, its ``distance``
to the data and the generation it was drawn in (``born``). The file's schema metadata
keeps what made it (``medlead.calibration``: the configuration, the cases, the prior),
so a posterior can be read without the folder it came from.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from medlead.model import ParamError, Params

__all__ = [
    "META_KEY",
    "NON_PARAMETER_COLUMNS",
    "PosteriorError",
    "draw_particles",
    "load_posterior",
    "parameter_columns",
    "particle_params",
    "plain_value",
    "posterior_metadata",
    "sample_params",
    "write_posterior",
]

META_KEY = b"medlead.calibration"
NON_PARAMETER_COLUMNS: tuple[str, ...] = ("particle", "weight", "distance", "born")


class PosteriorError(ParamError):
    """A posterior file that cannot be read or used (exit code 2)."""


def write_posterior(path: Path, frame: pd.DataFrame, metadata: dict[str, Any]) -> Path:
    """Write ``frame`` with ``metadata`` atomically (a temporary file, then a rename)."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    meta = dict(table.schema.metadata or {})
    meta[META_KEY] = json.dumps(metadata, sort_keys=True, default=str).encode()
    table = table.replace_schema_metadata(meta)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(table, tmp)
    tmp.replace(path)
    return path


def load_posterior(path: str | Path) -> pd.DataFrame:
    """The posterior table of ``posterior.parquet`` (one row per particle).

    Its ``attrs["calibration"]`` holds the metadata the calibration recorded.

    Raises:
        PosteriorError: the file is missing, not Parquet, or not a medlead posterior.
    """
    path = Path(path)
    if not path.exists():
        raise PosteriorError([f"posterior file {path} not found"])
    try:
        table = pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise PosteriorError([f"{path}: not a Parquet file ({exc})"]) from None
    meta = (table.schema.metadata or {}).get(META_KEY)
    names = set(table.column_names)
    if meta is None or "weight" not in names:
        raise PosteriorError([f"{path}: not a medlead posterior (no calibration metadata)"])
    unknown = sorted(names - set(NON_PARAMETER_COLUMNS) - set(Params.names()))
    if unknown:
        raise PosteriorError([f"{path}: columns that are not parameters: {', '.join(unknown)}"])
    frame = table.to_pandas()
    frame.attrs["calibration"] = json.loads(meta)
    if (frame["weight"] < 0).any() or not np.isclose(frame["weight"].sum(), 1.0):
        raise PosteriorError([f"{path}: weights must be >= 0 and sum to 1"])
    return frame


def posterior_metadata(posterior: pd.DataFrame) -> dict[str, Any]:
    """What the calibration recorded about itself (empty if unknown)."""
    return dict(posterior.attrs.get("calibration", {}))


def parameter_columns(posterior: pd.DataFrame) -> list[str]:
    """The calibrated parameters of ``posterior``, in ``Params`` order."""
    cols = set(posterior.columns)
    return [n for n in Params.names() if n in cols]


def plain_value(value: Any) -> Any:
    """A numpy scalar from a table as the plain Python value ``Params`` expects."""
    return value.item() if isinstance(value, np.generic) else value


def draw_particles(posterior: pd.DataFrame, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` row indices of ``posterior`` drawn by weight, with replacement."""
    w = posterior["weight"].to_numpy(dtype=float)
    return rng.choice(len(posterior), size=n, p=w / w.sum())


def particle_params(
    posterior: pd.DataFrame,
    row: int,
    base: Params,
    keep: Iterable[str] = (),
    *,
    where: str = "",
) -> Params:
    """``base`` with the values of particle ``row`` of ``posterior``, except ``keep``.

    Raises:
        PosteriorError: the parameters refuse the particle's values with ``base`` (one
            line, naming the particle and ``where``).
    """
    kept = set(keep)
    values = {
        name: plain_value(posterior[name].iat[row])
        for name in parameter_columns(posterior)
        if name not in kept
    }
    try:
        return base.replace(**values)
    except ParamError as exc:
        raise PosteriorError(
            [f"posterior particle {row}{where} cannot be used: {'; '.join(exc.problems)}"]
        ) from None


def sample_params(
    posterior: pd.DataFrame,
    n: int,
    rng: np.random.Generator,
    *,
    base: Params | None = None,
    keep: Sequence[str] = (),
) -> list[Params]:
    """``n`` parameter sets drawn from ``posterior`` by weight (with replacement).

    Args:
        posterior: a table from :func:`load_posterior`.
        n: how many.
        rng: the generator the particles are drawn with (:func:`draw_particles`).
        base: the parameters the drawn values replace (default ``Params()``).
        keep: parameters whose ``base`` value wins over the posterior's (e.g. the
            factors a sweep varies on purpose).

    Raises:
        PosteriorError: a drawn particle the parameters refuse with ``base``.
    """
    base = base or Params()
    return [
        particle_params(posterior, int(i), base, keep) for i in draw_particles(posterior, n, rng)
    ]
