"""``medlead scenarios``: the named experiments (scenario files), one line each."""

from __future__ import annotations

from pathlib import Path

from medlead.experiments.cli.app import command, console


def scenarios_dir() -> Path:
    """Where the named experiments' scenario files live (package data)."""
    import medlead.experiments

    return Path(medlead.experiments.__file__).parent / "scenarios"


@command()
def scenarios() -> None:
    """List the named experiments (scenario files), one line each."""
    import tomllib

    folder = scenarios_dir()
    files = sorted(folder.glob("*.toml")) if folder.is_dir() else []
    if not files:
        console.print(
            f"no scenario files in {folder}", markup=False, highlight=False, soft_wrap=True
        )
        return
    width = max(len(f.stem) for f in files)
    for f in files:
        try:
            data = tomllib.loads(f.read_text(encoding="utf-8"))
            desc = data.get("description", "")
            desc = desc if isinstance(desc, str) else str(desc)
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            desc = f"(unreadable: {exc})"
        line = " ".join(desc.split())
        console.print(
            f"{f.stem:<{width}}  {line}".rstrip(), markup=False, highlight=False, soft_wrap=True
        )
