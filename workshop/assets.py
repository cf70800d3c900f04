"""Check (and report) that the workshop can run with no internet.

Solara's page loads its front-end bundles through ``/_solara/cdn/``; with the
``solara-assets`` package they are served from ``<venv>/share/solara/cdn`` and nothing is
fetched from a CDN. The workshop draws with matplotlib (PNG images) and renders its
Markdown on the server, so it needs no Vega/Altair or KaTeX files. This module lists the
files the page asks for and checks they are there.

Usage::

    python -m medlead.workshop.assets          # check; exit 1 with a message if not offline-ready

Set ``SOLARA_TELEMETRY_MIXPANEL_ENABLE=false`` in the environment of the server (the
``medlead workshop`` command and ``python -m medlead.workshop`` do).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

#: Front-end files the workshop's page requests, relative to the CDN folder
#: (``{v}`` is ipywidgets' major version). Found by logging every request of the page.
REQUIRED: tuple[str, ...] = (
    "@widgetti/solara-vuetify-app@{app}/dist/solara-vuetify-app{v}.min.js",
    "@widgetti/solara-vuetify-app@{app}/dist/main{v}.css",
    "@widgetti/solara-vuetify-app@{app}/dist/fonts.css",
    "requirejs@{requirejs}/require.js",
    "font-awesome@4.5.0/css/font-awesome.min.css",
)


def cdn_dir() -> Path:
    """Where solara looks for locally served front-end files."""
    from solara.server import settings

    return Path(settings.assets.proxy_cache_dir)


def _versions() -> dict[str, str]:
    """Versions solara's page template asks for (so a solara upgrade is followed)."""
    import ipywidgets
    import solara.server

    template = Path(solara.server.__file__).parent / "templates" / "solara.html.j2"
    text = template.read_text(encoding="utf-8") if template.exists() else ""
    app = re.search(r"solara-vuetify-app@(\d+\.\d+\.\d+)", text)
    req = re.search(r"requirejs@(\d+\.\d+\.\d+)", text)
    return {
        "app": app.group(1) if app else "10.1.1",
        "requirejs": req.group(1) if req else "2.3.6",
        "v": ipywidgets.__version__.split(".")[0],
    }


def missing_assets() -> list[str]:
    """Required front-end files that are not in the local CDN folder."""
    base = cdn_dir()
    v = _versions()
    return [rel.format(**v) for rel in REQUIRED if not (base / rel.format(**v)).is_file()]


def main(argv: list[str] | None = None) -> int:
    """Print whether the workshop is ready to run offline; 0 if so, 1 otherwise."""
    missing = missing_assets()
    base = cdn_dir()
    if missing:
        print(f"workshop assets: {len(missing)} file(s) missing under {base}:", file=sys.stderr)
        for m in missing:
            print(f"  {m}", file=sys.stderr)
        print(
            "Install the pinned 'solara-assets' package (pip install -c constraints.txt "
            "-e '.[dev]'); without these files the page stays blank offline.",
            file=sys.stderr,
        )
        return 1
    print(f"workshop assets: ready to run offline ({len(REQUIRED)} front-end files in {base})")
    return 0


__all__ = ["REQUIRED", "cdn_dir", "main", "missing_assets"]

if __name__ == "__main__":
    raise SystemExit(main())
