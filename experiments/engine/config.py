"""Run configuration: TOML files and ``--set`` overrides, validated through ``Params``.

A run configuration file is flat TOML: every top-level key is a parameter of
:class:`~medlead.model.Params`, except three reserved keys::

    # my_run.toml
    description = "machine bureaucracy under a mandate"   # optional, ignored
    preset = "machine"     # optional: the preset the values are applied to
    seed = 42              # optional: root seed (an integer >= 0)
    strategy = "mandate"
    compliance_half_life = 26.0

Values are applied in order of precedence: preset, then the file, then ``--set
name=value`` items, then the explicit options (``--weeks``, ``--strategy``). Each stage
is validated by ``Params`` itself, so there is one validation for the CLI, scenario
files and the workshop; every problem is reported, one line each, prefixed with where
it came from. The ``params.toml`` written into a run folder is such a file with every
parameter and the seed, so ``medlead run --config params.toml`` reproduces the run.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w

from medlead.model.params import ParamError, Params

__all__ = [
    "RESERVED_KEYS",
    "ConfigError",
    "RunConfig",
    "load_toml",
    "params_toml",
    "parse_set_items",
    "resolve_run_config",
]

RESERVED_KEYS: tuple[str, ...] = ("description", "preset", "seed")
"""Top-level keys of a run configuration file that are not parameters."""


class ConfigError(ParamError):
    """A problem with a configuration file or command-line override (exit code 2).

    A subclass of :class:`ParamError`, so callers that handle parameter problems handle
    these too; ``problems`` holds one short message per problem.
    """


@dataclass(frozen=True)
class RunConfig:
    """The fully resolved inputs of one run.

    Attributes:
        params: the validated parameters.
        seed: the root seed, or ``None`` if none was given (the model then draws one).
        preset: name of the preset the values were applied to.
        config_path: the configuration file used, if any.
        overrides: the ``name=value`` overrides applied after the file (as given).
        explicit: the parameters the user set (in the file, with ``--set`` or an
            option), as opposed to those that come from the preset; they win over a
            posterior's draw (``medlead run --posterior``).
    """

    params: Params
    seed: int | None
    preset: str
    config_path: Path | None = None
    overrides: dict[str, Any] = field(default_factory=dict)
    explicit: tuple[str, ...] = ()


def load_toml(path: str | Path) -> dict[str, Any]:
    """Read a TOML file, turning every failure into a one-line :class:`ConfigError`.

    Raises:
        ConfigError: the file is missing, unreadable, not UTF-8 or not valid TOML (the
            message names the file, and the line and column of a syntax error).
    """
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise ConfigError([f"{path}: no such file"]) from None
    except IsADirectoryError:
        raise ConfigError([f"{path}: is a directory, not a TOML file"]) from None
    except PermissionError:
        raise ConfigError([f"{path}: permission denied"]) from None
    except UnicodeDecodeError:
        raise ConfigError([f"{path}: not a UTF-8 text file"]) from None
    except OSError as exc:
        raise ConfigError([f"{path}: cannot read ({exc.strerror or exc})"]) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"{path}: malformed TOML: {exc}"]) from None


def parse_set_items(items: Sequence[str]) -> tuple[dict[str, str], list[str]]:
    """Split ``--set name=value`` items into a mapping and a list of syntax problems.

    Values stay strings (``Params.from_mapping`` parses them with the field's type);
    surrounding quotes are removed, so ``strategy="mandate"`` works as typed in a shell.
    A later item for the same name wins, as on most command lines.
    """
    values: dict[str, str] = {}
    problems: list[str] = []
    for item in items:
        name, sep, value = item.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not name:
            problems.append(f"--set {item!r}: expected name=value, e.g. --set autonomy=0.6")
            continue
        if not value:
            problems.append(f"--set {item!r}: no value after '='")
            continue
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[name] = value
    return values, problems


def _check_seed(value: Any, where: str) -> tuple[int | None, list[str]]:
    if isinstance(value, bool) or not isinstance(value, int):
        return None, [f"{where}seed={value!r} must be a whole number >= 0"]
    if value < 0:
        return None, [f"{where}seed={value} must be >= 0"]
    if value >= 2**63:
        # TOML integers are 64-bit: a larger seed could not be written to params.toml.
        return None, [f"{where}seed={value} must be below 2**63"]
    return value, []


def _apply(values: Mapping[str, Any], base: Params, where: str) -> tuple[Params | None, list[str]]:
    """Apply ``values`` to ``base`` through Params' validation; prefix problems with ``where``."""
    if not values:
        return base, []
    try:
        return Params.from_mapping(values, base=base), []
    except ParamError as exc:
        return None, [f"{where}{p}" for p in exc.problems]


def resolve_run_config(
    *,
    preset: str | None = None,
    config: str | Path | None = None,
    set_items: Sequence[str] = (),
    seed: int | None = None,
    options: Mapping[str, Any] | None = None,
) -> RunConfig:
    """Build the run's parameters: preset, then config file, then ``--set``, then options.

    Args:
        preset: preset name; overrides a ``preset`` key in the file; default
            ``professional``.
        config: path of a run configuration TOML file (see the module docstring).
        set_items: ``name=value`` strings from ``--set``.
        seed: root seed from ``--seed``; overrides a ``seed`` key in the file.
        options: explicit options such as ``{"weeks": 10}`` (``None`` values are
            skipped), applied last; problems are attributed to ``--<name>``.

    Raises:
        ConfigError: every problem found, one per line, each saying where it came from.
    """
    problems: list[str] = []
    file_values: dict[str, Any] = {}
    file_seed: int | None = None
    file_preset: str | None = None
    config_path = Path(config) if config is not None else None
    if config_path is not None:
        raw = load_toml(config_path)  # a syntax error stops here: nothing else is readable
        where = f"{config_path}: "
        for key, value in raw.items():
            if isinstance(value, dict):
                problems.append(
                    f"{where}[{key}] tables are not allowed in a run configuration; "
                    "put parameters at the top level"
                )
            elif key == "seed":
                file_seed, found = _check_seed(value, where)
                problems += found
            elif key == "preset":
                if not isinstance(value, str):
                    problems.append(f"{where}preset={value!r} must be a preset name")
                else:
                    file_preset = value
            elif key == "description":
                if not isinstance(value, str):
                    problems.append(f"{where}description must be a string")
            else:
                file_values[key] = value

    if seed is not None:
        seed, found = _check_seed(seed, "--seed: ")
        problems += found
    else:
        seed = file_seed

    preset_name = preset if preset is not None else (file_preset or "professional")
    base = Params()
    try:
        base = Params.preset(preset_name)
    except ParamError as exc:
        where = "--preset: " if preset is not None else f"{config_path}: "
        problems += [f"{where}{p}" for p in exc.problems]

    after_file, found = _apply(file_values, base, f"{config_path}: ")
    problems += found
    current = after_file or base

    set_values, found = parse_set_items(set_items)
    problems += found
    after_set, found = _apply(set_values, current, "--set: ")
    problems += found
    current = after_set or current

    for name, value in (options or {}).items():
        if value is None:
            continue
        applied, found = _apply({name: value}, current, f"--{name.replace('_', '-')}: ")
        problems += found
        current = applied or current

    if problems:
        raise ConfigError(list(dict.fromkeys(problems)))
    overrides = dict(set_values)
    overrides.update({k: v for k, v in (options or {}).items() if v is not None})
    return RunConfig(
        params=current,
        seed=seed,
        preset=preset_name,
        config_path=config_path,
        overrides=overrides,
        explicit=tuple(dict.fromkeys([*file_values, *overrides])),
    )


def params_toml(
    params: Params,
    seed: int | None,
    *,
    preset: str | None = None,
    header: Sequence[str] = (),
) -> str:
    """A run configuration file holding every parameter and the seed (fully resolved).

    Each parameter carries a comment with its unit and allowed range, so the file doubles
    as a readable record. Values are written with ``tomli_w`` (floats as their shortest
    round-trip representation), so loading the file back gives identical ``Params`` and,
    with the seed, an identical run. ``preset`` is recorded as a label only: every
    parameter is written, so the preset's values cannot change the run.
    """
    lines = [f"# {h}" if h else "#" for h in header]
    if lines:
        lines.append("")
    if seed is not None:
        lines += ["# root seed of the run", tomli_w.dumps({"seed": int(seed)}).strip()]
    if preset is not None:
        lines += [
            "# the preset these values started from (a label: every value is below)",
            tomli_w.dumps({"preset": preset}).strip(),
        ]
    if len(lines) > len(header) + 1:
        lines.append("")
    specs = Params.specs()
    group = None
    for name, value in params.to_dict().items():
        spec = specs[name]
        if spec.group != group:
            group = spec.group
            lines += [f"# --- {group}"]
        if spec.choices is not None:
            rng = "one of " + ", ".join(spec.choices)
        elif spec.bounds is not None:
            rng = f"[{spec.bounds[0]:g}, {spec.bounds[1]:g}]"
        else:
            rng = ""
        note = "; ".join(x for x in (spec.unit, rng) if x)
        line = tomli_w.dumps({name: value}).strip()
        lines.append(f"{line}  # {note}" if note else line)
    return "\n".join(lines) + "\n"
