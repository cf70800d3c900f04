"""The parameter table, generated from the one declaration in ``medlead.model.params``.

``medlead params`` shows it; ``docs/params.md`` is :func:`params_document` written out
(a test keeps the two in step). Regenerate the file from the repository root with::

    python -m medlead.experiments.analysis.paramdoc > docs/params.md
"""

from __future__ import annotations

from typing import Any

from medlead.model import params as params_module
from medlead.model.params import PRESET_DESCRIPTIONS, PRESET_VALUES, PRESETS, Params, Spec

__all__ = [
    "COLUMNS",
    "REGENERATE",
    "format_value",
    "param_rows",
    "params_document",
    "params_markdown",
    "presets_markdown",
]

REGENERATE = "python -m medlead.experiments.analysis.paramdoc > docs/params.md"
"""The command that regenerates ``docs/params.md``."""

COLUMNS: tuple[str, ...] = (
    "name",
    "default",
    "allowed",
    "plausible",
    "unit",
    "role",
    "key",
    "doc",
    "citation",
)
"""Columns of the parameter table (``param_rows`` keys)."""

ROLE_MEANING = {
    "lever": "something a Trust or a programme can choose",
    "uncertainty": "something nobody knows precisely: sampled over its plausible range in "
    "sensitivity analysis",
    "structure": "a switch between forms of a mechanism where the literature allows more "
    "than one; conclusions are reported across every combination",
    "setting": "a structural or bookkeeping setting (size, horizon, definitions)",
}


def format_value(value: Any) -> str:
    """A parameter value as shown in tables (floats shortest, strings plain)."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _range(r: tuple[float, float] | None) -> str:
    return f"[{r[0]:g}, {r[1]:g}]" if r is not None else "—"


def _allowed(spec: Spec) -> str:
    if spec.choices is not None:
        return " / ".join(spec.choices)
    return _range(spec.bounds)


def param_rows() -> list[dict[str, str]]:
    """One row per field of ``Params`` (declaration order), keys :data:`COLUMNS` + group."""
    rows = []
    defaults = Params.defaults()
    for name, spec in Params.specs().items():
        rows.append(
            {
                "name": name,
                "default": format_value(defaults[name]),
                "allowed": _allowed(spec),
                "plausible": _range(spec.plausible),
                "unit": spec.unit or "—",
                "role": spec.role,
                "key": "yes" if spec.key else "",
                "doc": spec.doc,
                "citation": spec.cite,
                "group": spec.group,
            }
        )
    return rows


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return out


def params_markdown() -> str:
    """The parameter tables (one per group, in declaration order) as Markdown."""
    lines: list[str] = []
    groups: dict[str, list[dict[str, str]]] = {}
    for row in param_rows():
        groups.setdefault(row["group"], []).append(row)
    for group, rows in groups.items():
        if lines:
            lines.append("")
        lines += [f"### {group}", ""]
        lines += _table(
            [c for c in COLUMNS],
            [[f"`{r['name']}`" if c == "name" else r[c] for c in COLUMNS] for r in rows],
        )
    return "\n".join(lines) + "\n"


def _preset_sources() -> dict[str, str]:
    """Per-preset sources, if ``medlead.model.params`` declares them."""
    for attr in ("PRESET_SOURCES",):
        found = getattr(params_module, attr, None)
        if isinstance(found, dict) and found:
            return {k: str(v) for k, v in found.items()}
    notes = getattr(Params, "PRESET_NOTES", None)
    if isinstance(notes, dict) and notes:
        return {k: str(v) for k, v in notes.items()}
    return {}


def presets_markdown() -> str:
    """The presets: description, changed values and sources; then a values matrix."""
    specs = Params.specs()
    defaults = Params.defaults()
    sources = _preset_sources()
    lines = ["| preset | description | changes from the defaults | sources |"]
    lines.append("| --- | --- | --- | --- |")
    for name in PRESETS:
        changes = PRESET_VALUES.get(name, {})
        changed = ", ".join(f"`{k}` = {format_value(v)}" for k, v in changes.items()) or (
            "none (the defaults)"
        )
        if name in sources:
            source = sources[name]
        elif changes:
            cites = dict.fromkeys(specs[k].cite for k in changes if k in specs)
            source = "per value: " + "; ".join(cites)
        else:
            source = "the defaults' own citations"
        lines.append(
            "| "
            + " | ".join(
                _cell(x) for x in (f"`{name}`", PRESET_DESCRIPTIONS.get(name, ""), changed, source)
            )
            + " |"
        )
    changed_names = [n for n in specs if any(n in PRESET_VALUES.get(p, {}) for p in PRESETS)]
    lines += ["", "Values of every parameter some preset changes (blank = the default):", ""]
    header = ["parameter", "default", *[f"`{p}`" for p in PRESETS]]
    rows = []
    for n in changed_names:
        rows.append(
            [f"`{n}`", format_value(defaults[n])]
            + [
                format_value(PRESET_VALUES[p][n]) if n in PRESET_VALUES.get(p, {}) else ""
                for p in PRESETS
            ]
        )
    lines += _table(header, rows)
    return "\n".join(lines) + "\n"


def params_document() -> str:
    """The full text of ``docs/params.md``."""
    roles = "\n".join(f"- **{r}**: {m}." for r, m in ROLE_MEANING.items())
    n = len(Params.specs())
    n_key = sum(s.key for s in Params.specs().values())
    return f"""# Parameters

<!-- Generated from medlead.model.params by medlead.experiments.analysis.paramdoc; do not edit.
     Regenerate from the repository root with:
     {REGENERATE}
     (tests/test_cli.py fails when this file is out of date.) -->

Every parameter of a medlead run ({n} in all) is declared once, in
`model/params.py` (`Params`); this page, `medlead params`, scenario-file validation and the
workshop's sliders are generated from that declaration. Show it in a terminal with
`medlead params`, or as this Markdown with `medlead params --markdown`.

Columns: **default** (the typical NHS Trust, preset `professional`); **allowed** (values
outside are rejected with exit code 2); **plausible** (the range sampled in sensitivity
analysis; "—" means the parameter is not sampled); **unit**; **role**; **key** (one of the
{n_key} main workshop sliders); **doc**; **citation** ("assumption" where a value has no
source: these are the first candidates for sensitivity analysis).

Roles:

{roles}

Set any parameter for a run with `medlead run --set name=value`, or in a TOML file given
with `--config` (see `docs/data.md` for the `params.toml` a run writes).

## Parameters

{params_markdown()}
## Presets

`medlead run --preset NAME` (or `Params.preset(NAME)`) starts from a preset; only the
values that differ from the defaults are listed.

{presets_markdown()}"""


if __name__ == "__main__":
    import sys

    sys.stdout.write(params_document())
