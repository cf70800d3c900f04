"""``python -m medlead.workshop [--port N] [--host H]``: serve the workshop offline.

The same as ``medlead workshop``: runs ``solara run medlead.workshop.app --production``
with telemetry off, on 127.0.0.1:8765 unless told otherwise, and prints the address
once the page answers ("ready").
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import urllib.request


def main(argv: list[str] | None = None) -> int:
    """Start the Solara server in a subprocess and wait for it."""
    ap = argparse.ArgumentParser(prog="python -m medlead.workshop", description=__doc__)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8765)
    args = ap.parse_args(argv)
    # No telemetry, and no "This website runs on Solara" badge over the projector's corner.
    env = dict(
        os.environ, SOLARA_TELEMETRY_MIXPANEL_ENABLE="false", SOLARA_THEME_SHOW_BANNER="false"
    )
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
    url = f"http://{args.host}:{args.port}/"
    local = url.replace("0.0.0.0", "127.0.0.1")
    print(f"medlead workshop: starting on {url} ...", flush=True)
    proc = subprocess.Popen(cmd, env=env)
    try:
        t0 = time.monotonic()
        while proc.poll() is None:
            try:
                with urllib.request.urlopen(local, timeout=2) as r:  # noqa: S310 - ours
                    if r.status == 200:
                        took = time.monotonic() - t0
                        print(f"medlead workshop: ready at {url}  ({took:.1f} s)", flush=True)
                        break
            except OSError:
                time.sleep(0.25)
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
