"""Printable one-page handouts, one per hospital preset (A4 PDF).

Each page holds the preset's description, its hospital drawn at the end of the run (a
year after withdrawal) under the preset's own strategy (seed shown), the explain text (what to
notice, what to try next, the idea behind it) and the values of the key levers, so a
room can take the picture and the questions home. ::

    python -m medlead.workshop.handout --out handouts/     # one PDF per preset

The app offers the same page for the current hospital as a download, and
:func:`run_handout_pdf` writes the room's own run: its session code, its slider changes,
its compare (verdict, the other seeds' answer), the room's prediction, the hospital(s)
and the curves as they are on screen.
"""

from __future__ import annotations

import argparse
import io
import re
import textwrap
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from medlead.model import Params
from medlead.model.labels import display
from medlead.workshop.adapter import (
    PRESET_LABELS,
    STRATEGY_LABELS,
    WORKSHOP_PRESETS,
    Controls,
    preset_description,
    slider_specs,
)
from medlead.workshop.explain import explain_text
from medlead.workshop.picture import legend_png
from medlead.workshop.run import WorkshopRun

A4 = (8.27, 11.69)
WRAP = 98


def _plain_lines(markdown: str) -> list[tuple[str, str]]:
    """Markdown → (style, line) pairs: 'h2', 'h3', 'bullet' or 'text', wrapped to fit.

    A bullet's indented continuation lines belong to it, and a paragraph's lines are
    joined, before emphasis is stripped, so markup may span source lines.
    """
    blocks: list[tuple[str, list[str]]] = []  # (kind, source lines)
    for raw in markdown.splitlines():
        if raw.startswith("## "):
            blocks.append(("h2", [raw[3:]]))
        elif raw.startswith("### "):
            blocks.append(("h3", [raw[4:]]))
        elif raw.startswith("- "):
            blocks.append(("bullet", [raw[2:]]))
        elif not raw.strip():
            blocks.append(("blank", []))
        elif blocks and (
            blocks[-1][0] == "text" or (blocks[-1][0] == "bullet" and raw[:1].isspace())
        ):
            blocks[-1][1].append(raw.strip())
        else:
            blocks.append(("text", [raw.strip()]))

    out: list[tuple[str, str]] = []
    for kind, lines in blocks:
        if kind == "blank":
            continue
        text = re.sub(
            r"\*\*(.+?)\*\*|\*(.+?)\*|_(.+?)_",
            lambda m: next(g for g in m.groups() if g),
            " ".join(lines),
        ).replace("`", "")
        if kind in ("h2", "h3"):
            out.append((kind, text))
        elif kind == "bullet":
            wrapped = textwrap.wrap(text, WRAP - 3)
            out.append(("bullet", "• " + wrapped[0]))
            out.extend(("text", "   " + w) for w in wrapped[1:])
        else:
            out.extend(("text", w) for w in textwrap.wrap(text, WRAP))
    return out


def handout_pdf(preset: str, seed: int = 1, week: int | None = None, fmt: str = "pdf") -> bytes:
    """One A4 page for ``preset`` as PDF bytes (``fmt="png"`` for a preview image).

    Args:
        preset: one of the workshop presets.
        seed: the seed of the pictured run (printed on the page).
        week: the week pictured; default: the horizon (a year after withdrawal).
        fmt: ``"pdf"``, or ``"png"`` for a preview image.
    """
    run = WorkshopRun(Controls(preset=preset, seed=seed))
    week = run.params.weeks if week is None else week
    run.step(week)
    picture = Image.open(io.BytesIO(run.lanes[0].picture.export_png()))
    run.curves_png()
    curves = Image.open(io.BytesIO(run.curves.export_png()))
    params = Params.preset(preset)

    fig = Figure(figsize=A4, dpi=100, facecolor="white")
    FigureCanvasAgg(fig)
    fig.text(
        0.06,
        0.965,
        f"medlead workshop · {PRESET_LABELS[preset]}",
        fontsize=17,
        fontweight="bold",
        va="top",
    )
    fig.text(
        0.06,
        0.94,
        preset_description(preset)[0].upper() + preset_description(preset)[1:],
        fontsize=10,
        va="top",
    )
    ax = fig.add_axes((0.04, 0.64, 0.92, 0.29))
    ax.imshow(np.asarray(picture))
    ax.set_axis_off()
    fig.text(
        0.06,
        0.635,
        f"The hospital at week {week} under {STRATEGY_LABELS[params.strategy].lower()} "
        f"(seed {seed}; session code {run.session_code()}).",
        fontsize=8.5,
        va="top",
        style="italic",
    )
    y = 0.605
    sizes = {"h2": 12.5, "h3": 10.5, "bullet": 8.8, "text": 8.8}
    steps = {"h2": 0.024, "h3": 0.02, "bullet": 0.0145, "text": 0.0145}
    for style, line in _plain_lines(explain_text(preset)):
        if style == "h2":
            continue  # the page title already names the preset
        if style == "h3":
            y -= 0.006
        fig.text(
            0.06,
            y,
            line,
            fontsize=sizes[style],
            va="top",
            fontweight="bold" if style in ("h2", "h3") else "normal",
        )
        y -= steps[style]
    y -= 0.01
    fig.text(0.06, y, "Key levers in this hospital", fontsize=10.5, fontweight="bold", va="top")
    y -= 0.021
    specs = slider_specs()
    rows = -(-len(specs) // 3)  # three columns
    for i, s in enumerate(specs):
        x = 0.06 + (i // rows) * 0.315
        yy = y - (i % rows) * 0.0145
        value = getattr(params, s.name)
        fig.text(x, yy, f"{s.label}: {value:g}", fontsize=8.3, va="top")
    y_end = y - rows * 0.0145 - 0.01
    cax = fig.add_axes((0.04, 0.035, 0.92, max(0.12, y_end - 0.035)))
    cax.imshow(np.asarray(curves))
    cax.set_axis_off()
    fig.text(
        0.06,
        0.02,
        "Strategy in this preset: "
        + STRATEGY_LABELS[params.strategy]
        + ". A model's outcome, not a prediction: try other seeds and levers.",
        fontsize=8,
        va="bottom",
        color="#333333",
    )
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt)
    return buf.getvalue()


def run_handout_pdf(run: WorkshopRun, fmt: str = "pdf") -> bytes:
    """One A4 page of the room's actual run, as it stands (``fmt="png"``: a preview).

    The page names what was chosen (hospital, strategy, compare, seed, week, a manual
    withdrawal, every slider moved away from the hospital's value) and what came of it
    (the verdict and the other seeds' answer in compare mode, the prediction if the
    room recorded one), so the session code on it replays exactly this picture.
    """
    from medlead.workshop.story import reveal  # story imports run, as this module does

    c = run.controls
    # Stacked, not side by side: two hospitals across an A4 page would be 9 cm each.
    pictures = [Image.open(io.BytesIO(ln.picture.export_png())) for ln in run.lanes]
    if len(run.lanes) > 1:
        pictures.append(Image.open(io.BytesIO(legend_png(run.params.committed_cutoff))))
    run.curves_png()
    curves = Image.open(io.BytesIO(run.curves.export_png()))
    fig = Figure(figsize=A4, dpi=100, facecolor="white")
    FigureCanvasAgg(fig)
    fig.text(0.06, 0.965, "medlead workshop · our run", fontsize=17, fontweight="bold", va="top")
    lines: list[tuple[str, str]] = []
    what = " vs ".join(ln.name for ln in run.lanes)
    if run.by_hospital:
        what += f", both under {STRATEGY_LABELS[run.params.strategy].lower()}"
    else:
        what = f"{PRESET_LABELS[c.preset]}: {what}"
    lines.append(("bold", what))
    when = f"Week {run.week} of {run.params.weeks}, seed {c.seed}"
    if run.withdrawn_at is not None:
        when += f", withdrawn by hand at week {run.withdrawn_at}"
    lines.append(("text", f"{when}. Session code {run.session_code()} (type it into Replay)."))
    base = Params.preset(c.preset)
    if c.sliders:
        lines.append(("bold", "Levers the room changed"))
        for name, value in c.sliders:
            lines.append(("text", f"  {display(name)}: {getattr(base, name):g} → {value:g}"))
    else:
        lines.append(("text", "Levers: the hospital's own values (nothing changed)."))
    if len(run.lanes) > 1:
        lines.append(("bold", run.verdict()))
        lines.append(("text", run.comparison_text()))
        seeds = run.seeds_question()
        if seeds is not None:
            lines.append(("text", seeds.sentence()))
    if run.prediction is not None:
        lines.append(("text", reveal(run)))
    y = 0.935
    for style, line in lines:
        for part in textwrap.wrap(line, WRAP) or [""]:
            fig.text(
                0.06,
                y,
                part,
                fontsize=9.5,
                va="top",
                fontweight="bold" if style == "bold" else "normal",
            )
            y -= 0.017
    y -= 0.005
    for picture in pictures:
        pic_h = 0.92 * picture.height / picture.width * A4[0] / A4[1]
        ax = fig.add_axes((0.04, y - pic_h, 0.92, pic_h))
        ax.imshow(np.asarray(picture))
        ax.set_axis_off()
        y -= pic_h + 0.004
    cax = fig.add_axes((0.04, 0.05, 0.92, max(0.15, y - 0.05)))
    cax.imshow(np.asarray(curves))
    cax.set_axis_off()
    fig.text(
        0.06,
        0.02,
        "A model's outcome, not a prediction: try other seeds and levers.",
        fontsize=8,
        va="bottom",
        color="#333333",
    )
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt)
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    """Write one handout PDF per preset into ``--out``."""
    ap = argparse.ArgumentParser(prog="python -m medlead.workshop.handout")
    ap.add_argument("--out", type=Path, default=Path("handouts"))
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for preset in WORKSHOP_PRESETS:
        path = args.out / f"medlead-handout-{preset}.pdf"
        path.write_bytes(handout_pdf(preset, seed=args.seed))
        print(path)
    return 0


__all__ = ["handout_pdf", "main", "run_handout_pdf"]

if __name__ == "__main__":
    raise SystemExit(main())
