"""``python -m medlead.workshop [--port N] [--host H]``: serve the workshop offline.

The same as ``medlead workshop``: runs ``solara run medlead.workshop.app --production``
with telemetry off, on 127.0.0.1:8765 unless told otherwise, and prints the address.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys


def main(argv: list[str] | None = None) -> int:
    """Start the Solara server in a subprocess and wait for it."""
    ap = argparse.ArgumentParser(prog="python -m medlead.workshop", description=__doc__)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8765)
    args = ap.parse_args(argv)
    env = dict(os.environ, SOLARA_TELEMETRY_MIXPANEL_ENABLE="false")
    cmd = [
        sys.executable,
        "-m",
        "solara",
        "run",
        "medlead.workshop.app",
        "--host",
        args.host,
        "--port",
        str(args.port),
        "--production",
        "--no-open",
    ]
    print(f"medlead workshop: http://{args.host}:{args.port}/  (Ctrl+C to stop)", flush=True)
    try:
        return subprocess.call(cmd, env=env)
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
