"""Writing a run folder (``docs/data.md``): every file or none of it.

A run folder holds ``timeseries.parquet``, ``timeseries.csv``, ``summary.json``,
``params.toml``, ``manifest.json`` and ``curves.png`` (``docs/data.md`` describes each).
Files are first written into a hidden staging folder beside the destination and then
moved into place with ``os.replace`` (atomic on one filesystem), so a failure at any
point leaves no half-written file: either the destination is untouched, or each file
in it is complete. A non-empty destination is refused unless ``force`` is given.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from medlead.experiments.engine.config import ConfigError, RunConfig, params_toml

__all__ = [
    "RUN_FILES",
    "RunFolder",
    "default_command",
    "environment_info",
    "file_sha256",
    "git_commit",
    "package_version",
    "utc_now",
    "write_run_folder",
]

RUN_FILES: tuple[str, ...] = (
    "timeseries.parquet",
    "timeseries.csv",
    "summary.json",
    "params.toml",
    "manifest.json",
    "curves.png",
)
"""The files of a run folder, in the order they are written."""


class RunFolder:
    """A destination folder and its staging folder; use as a context manager.

    Checks happen on construction (before any simulation runs), so an unusable ``--out``
    fails fast: the path must not be a file, must be empty unless ``force`` is given, and
    its parent must be writable (the staging folder is created there). Files are added
    with :meth:`write_text`, :meth:`write_bytes` or :meth:`write_with`; leaving the
    ``with`` block normally moves them into place, an exception discards them.

    Raises:
        ConfigError: the destination cannot be used, with a one-line reason.
    """

    def __init__(self, out: str | Path, *, force: bool = False):
        self.out = Path(out)
        self.force = force
        self.files: list[str] = []
        where = f"--out {self.out}"
        if self.out.exists() and not self.out.is_dir():
            raise ConfigError([f"{where}: exists and is not a folder"])
        if self.out.is_dir():
            try:
                non_empty = any(self.out.iterdir())
            except OSError as exc:
                raise ConfigError([f"{where}: cannot read ({_reason(exc)})"]) from None
            if non_empty and not force:
                raise ConfigError(
                    [f"{where}: folder is not empty (use --force to overwrite its files)"]
                )
        parent = self.out.absolute().parent
        try:
            parent.mkdir(parents=True, exist_ok=True)
            self.staging = Path(
                tempfile.mkdtemp(prefix=f".{self.out.name}.", suffix=".partial", dir=parent)
            )
        except OSError as exc:
            raise ConfigError([f"{where}: cannot write there ({_reason(exc)})"]) from None

    # -------------------------------------------------------------------- writing
    def path(self, name: str) -> Path:
        """Staging path of file ``name`` (write it there; it moves on commit)."""
        if name not in self.files:
            self.files.append(name)
        return self.staging / name

    def write_text(self, name: str, text: str) -> None:
        """Stage a UTF-8 text file."""
        self.path(name).write_text(text, encoding="utf-8", newline="\n")

    def write_bytes(self, name: str, data: bytes) -> None:
        """Stage a binary file."""
        self.path(name).write_bytes(data)

    def write_with(self, name: str, writer: Callable[[Path], Any]) -> None:
        """Stage a file written by ``writer(path)`` (e.g. a Parquet or PNG writer)."""
        writer(self.path(name))

    # ------------------------------------------------------------------ finishing
    def commit(self) -> Path:
        """Move the staged files into the destination; return the destination."""
        if not self.out.exists():
            try:
                os.rename(self.staging, self.out)
                return self.out
            except OSError:
                pass  # created meanwhile, or a cross-device parent: fall through
        self.out.mkdir(parents=True, exist_ok=True)
        for name in self.files:
            os.replace(self.staging / name, self.out / name)
        shutil.rmtree(self.staging, ignore_errors=True)
        return self.out

    def abort(self) -> None:
        """Discard everything staged."""
        shutil.rmtree(self.staging, ignore_errors=True)

    def __enter__(self) -> RunFolder:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            try:
                self.commit()
            except OSError as err:
                self.abort()
                raise ConfigError([f"--out {self.out}: cannot write ({_reason(err)})"]) from None
        else:
            self.abort()


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


# ------------------------------------------------------------------------ provenance
def package_version() -> str:
    """The installed medlead version (``0+unknown`` if not installed)."""
    try:
        return metadata.version("medlead")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def git_commit() -> tuple[str | None, bool | None]:
    """``(commit, dirty)`` of the checkout medlead runs from, or ``(None, None)``.

    Only an editable install inside a git work tree has one; a missing ``git`` or any
    failure gives ``None`` rather than an error, since provenance must never stop a run.
    """
    import medlead.model

    root = Path(medlead.model.__file__).resolve().parent.parent
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
        status = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None, None
    return (commit or None), bool(status.strip())


def environment_info() -> dict[str, str]:
    """Versions of Python and the libraries a run's numbers depend on."""
    info = {"python": platform.python_version(), "platform": platform.platform()}
    for dist in ("numpy", "mesa", "scipy", "pandas", "pyarrow"):
        try:
            info[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            info[dist] = "not installed"
    return info


def utc_now() -> str:
    """The current UTC time as ISO 8601 with milliseconds (``...Z``)."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# ----------------------------------------------------------------------- the folder
def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _json(data: Any) -> str:
    return json.dumps(data, indent=2, allow_nan=False, ensure_ascii=False) + "\n"


def write_run_folder(
    folder: RunFolder,
    *,
    timeseries: pd.DataFrame,
    summary: Mapping[str, float | None],
    config: RunConfig,
    seed: int,
    staff: int,
    command: list[str],
    started: str,
    run_seconds: float,
    plot_curves: Callable[..., None],
    extra: Mapping[str, Any] | None = None,
) -> Path:
    """Write every file of a run folder into ``folder`` and move them into place.

    Args:
        folder: the destination (already checked, with its staging folder).
        timeseries: one row per week (0..T), columns ``REPORTERS``.
        summary: the run summary (``SUMMARY_KEYS``; ``None`` where undefined).
        config: the resolved inputs (parameters, preset, config file, overrides).
        seed: the root seed actually used.
        staff: number of staff in the generated Trust.
        command: the command line as a list of words.
        started: UTC start time (ISO 8601).
        run_seconds: wall time of the simulation itself.
        plot_curves: draws ``curves.png``, called as ``plot_curves(timeseries, params,
            path, title=...)`` (the command line passes
            :func:`medlead.experiments.analysis.figures.plot_curves`; the engine draws
            no figures of its own).
        extra: more provenance for ``manifest.json``, by key (e.g. ``posterior``: the
            file the parameters were drawn from and the particle drawn).
    """
    params = config.params
    version = package_version()
    commit, dirty = git_commit()
    with folder:
        table_meta = {"seed": seed, "medlead_version": version, "strategy": params.strategy}

        def parquet(path: Path) -> None:
            import pyarrow as pa
            import pyarrow.parquet as pq

            table = pa.Table.from_pandas(timeseries, preserve_index=False)
            meta = dict(table.schema.metadata or {})
            meta[b"medlead"] = json.dumps(table_meta).encode()
            pq.write_table(table.replace_schema_metadata(meta), path)

        folder.write_with("timeseries.parquet", parquet)
        folder.write_with(
            "timeseries.csv", lambda p: timeseries.to_csv(p, index=False, lineterminator="\n")
        )
        folder.write_text("summary.json", _json(dict(summary)))
        folder.write_text(
            "params.toml",
            params_toml(
                params,
                seed,
                preset=config.preset,
                header=(
                    f"medlead {version}: fully resolved parameters of a run.",
                    "Reproduce it with: medlead run --config params.toml",
                ),
            ),
        )
        title = (
            f"medlead: preset {config.preset}, strategy {params.strategy}, seed {seed}, "
            f"{staff:,} staff"
        )
        folder.write_with("curves.png", lambda p: plot_curves(timeseries, params, p, title=title))
        files = {
            name: {
                "bytes": folder.path(name).stat().st_size,
                "sha256": file_sha256(folder.path(name)),
            }
            for name in list(folder.files)
        }
        manifest = {
            "kind": "medlead run",
            "seed": seed,
            "medlead_version": version,
            "git_commit": commit,
            "git_dirty": dirty,
            "command": command,
            "started_utc": started,
            "finished_utc": utc_now(),
            "run_seconds": round(run_seconds, 4),
            "preset": config.preset,
            "config_file": str(config.config_path) if config.config_path else None,
            "overrides": {k: _plain(v) for k, v in config.overrides.items()},
            "strategy": params.strategy,
            "weeks": params.weeks,
            "staff": staff,
            **dict(extra or {}),
            **environment_info(),
            "files": files,
        }
        folder.write_text("manifest.json", _json(manifest))
    return folder.out


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return value if isinstance(value, (str, int, float, bool)) or value is None else str(value)


def default_command() -> list[str]:
    """The current command line, with the program shown as ``medlead``."""
    return ["medlead", *sys.argv[1:]]
