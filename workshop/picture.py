"""The hospital and its curves, drawn with matplotlib for a projector.

Encoding (the legend repeats it on the picture):

- position: :func:`medlead.model.hospital_layout` (microsystems as discs grouped by
  directorate; general managers above their directorate; the executive team on top);
- shape = role: ▲ consultant, ▼ junior doctor, ● nurse, ■ manager;
- fill = commitment on *cividis* (a colour-vision-deficiency-safe scale, dark → light);
- a thick vermillion ring = compliant without being committed (outline, not only colour);
- a white dot with a black rim = practising faithfully; a half-white dot = practising
  mostly as a tick-box (compliance the stronger motive, so the model's fidelity of
  practice is below halfway between ``compelled_fidelity`` and 1: :func:`tickbox`);
- large marker with a black rim = holds a leadership role; a small black star at the
  upper right = champion (a badge, quiet enough that improved microsystems stay discs);
- purple lines = persuasion engagements under way (``state.target``);
- disc shading = microsystem performance, bold rim = improved;
- the management line (executive → general managers → directorates) thickens and turns
  vermillion with the management pressure of the week; each branch is as thick as the
  pressure the line's ties pass on to it (a directorate's branch: the mean pressure
  reaching its clinical staff, lower where the duality of general manager and clinical
  director is weaker).

Figures are built once per run and only their data change each week, so a step plus
redraw stays well under the workshop's 250 ms budget (``docs/performance.md``).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
from matplotlib import colormaps  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.collections import LineCollection, PatchCollection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.markers import MarkerStyle  # noqa: E402
from matplotlib.patches import Circle, FancyBboxPatch  # noqa: E402
from PIL import Image  # noqa: E402

from medlead.model import REPORTERS, Leader, Role, World, hospital_layout  # noqa: E402
from medlead.model.labels import label  # noqa: E402

CMAP = colormaps["cividis"]
# Okabe & Ito (2008) colour-blind-safe palette.
VERMILLION = "#D55E00"
BLUE = "#0072B2"
ORANGE = "#E69F00"
SKY = "#56B4E9"
GREEN = "#009E73"
PURPLE = "#CC79A7"
BLACK = "#000000"
INK = "#1a1a1a"

SHAPES: dict[str, str] = {"doctor": "^", "junior": "v", "nurse": "o", "manager": "s"}
BASE_SIZE = 70.0
LEADER_SIZE = 190.0
CHAMPION_SIZE = 90.0
#: Where a champion's star sits relative to the person (data units; discs have radius 0.48).
CHAMPION_OFFSET = np.array([0.14, 0.12])
EXEC_SIZE = 320.0
DPI = 80


@dataclass(frozen=True)
class Look:
    """How big a picture is drawn: its width in pixels, dpi, and the smallest text.

    ``SCREEN`` is the normal page (drawn 1,280 px wide, shown scaled to the column);
    ``PROJECTOR`` is drawn at the size projector mode shows it (a 1280x720 screen), at 72
    dpi so that a point is a pixel and no text is smaller than ``min_font`` pixels.
    """

    width_px: int = 1280
    dpi: int = DPI
    min_font: float = 0.0
    title: bool = True
    legend_px: int = 110
    legend_ncol: int = 4

    def fs(self, points: float) -> float:
        """A font size in points, raised to the look's minimum text size."""
        return max(points, self.min_font * 72.0 / self.dpi)

    @property
    def scale(self) -> float:
        """Marker scale (in points) relative to the screen design of 1,280 px at 80 dpi."""
        return (self.width_px / 1280.0) * (DPI / self.dpi)


SCREEN = Look()
PROJECTOR = Look(width_px=870, dpi=72, min_font=18.0, title=False, legend_px=232, legend_ncol=3)


def _shape_of(role: np.ndarray, world: np.ndarray) -> np.ndarray:
    shape = np.where(
        world == World.DOCTOR, "doctor", np.where(world == World.NURSE, "nurse", "manager")
    )
    shape = np.where(role == Role.JUNIOR, "junior", shape)
    return shape


def _png(fig: Figure, scale: float = 1.0) -> bytes:
    """A full render of ``fig`` (for exports); ``scale`` > 1 renders more pixels per
    inch, so a slide gets the same picture, sharper (every size grows together).
    """
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=fig.dpi * scale, facecolor=fig.get_facecolor())
    return buf.getvalue()


class _Blitted:
    """A figure whose static parts are rendered once and whose changing artists are
    redrawn over a cached background (matplotlib blitting): text, ticks and the legend
    cost most of a full draw and never change.
    """

    fig: Figure

    def _init_canvas(self) -> None:
        self.canvas = FigureCanvasAgg(self.fig)
        self._bg = None
        self._dynamic: list = []

    def _animate(self, *artists):
        for a in artists:
            a.set_animated(True)
            self._dynamic.append(a)
        return artists[0] if len(artists) == 1 else artists

    def _forget(self, artist) -> None:
        self._dynamic.remove(artist)
        artist.remove()

    def frame(self) -> bytes:
        """The current picture as PNG bytes, redrawing only the changing artists."""
        if self._bg is None:
            self.canvas.draw()
            self._bg = self.canvas.copy_from_bbox(self.fig.bbox)
        self.canvas.restore_region(self._bg)
        renderer = self.canvas.get_renderer()
        for a in sorted(self._dynamic, key=lambda a: a.get_zorder()):
            a.draw(renderer)
        w, h = self.canvas.get_width_height()
        im = Image.frombuffer("RGBA", (w, h), self.canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        buf = io.BytesIO()
        im.convert("RGB").save(buf, format="png", compress_level=1)
        return buf.getvalue()

    def export_png(self, scale: float = 1.0) -> bytes:
        """A full, well-compressed PNG of the current picture (for downloads; ``scale``:
        pixels per figure pixel, e.g. 2 for a slide).
        """
        for a in self._dynamic:
            a.set_animated(False)
        try:
            return _png(self.fig, scale)
        finally:
            for a in self._dynamic:
                a.set_animated(True)


class HospitalPicture(_Blitted):
    """The hospital of one run: static structure drawn once, state redrawn each week.

    Args:
        model: a :class:`medlead.model.HospitalModel` (read, never changed).
        title: optional words before the week in the picture's title (e.g. a strategy).
        legend: draw the legend under the hospital (compare mode draws one shared legend).
    """

    def __init__(self, model, title: str = "", legend: bool = True, look: Look = SCREEN):
        self.model = model
        self.look = look
        k = look.scale
        self.title_prefix = title
        org = model.organisation
        self.pos = hospital_layout(org)
        self.cutoff = model.params.committed_cutoff
        self.shape = _shape_of(org.role, org.world)
        is_exec = np.isin(
            org.role, [Role.CHIEF_EXECUTIVE, Role.MEDICAL_DIRECTOR, Role.NURSING_DIRECTOR]
        )
        leader = (org.leader != Leader.NONE) | is_exec
        self.sizes = np.where(is_exec, EXEC_SIZE, np.where(leader, LEADER_SIZE, BASE_SIZE))
        self.sizes = np.where(org.role == Role.GENERAL_MANAGER, LEADER_SIZE, self.sizes) * k**2
        self.leader = leader

        # The figure's height follows the hospital's shape at the look's width: the
        # title strip, the hospital (equal aspect) and the legend strip, in pixels.
        x, y = self.pos[:, 0], self.pos[:, 1]
        xlim = (x.min() - 0.7, x.max() + 0.7)
        ylim = (y.min() - 0.95, y.max() + 0.5)
        top_px = 48 * look.dpi / DPI if look.title else 18
        hosp_px = 0.98 * look.width_px * (ylim[1] - ylim[0]) / (xlim[1] - xlim[0])
        legend_px = look.legend_px if legend else 4
        height_px = round(top_px + hosp_px + legend_px)
        fig = Figure(
            figsize=(look.width_px / look.dpi, height_px / look.dpi),
            dpi=look.dpi,
            facecolor="white",
        )
        self.fig = fig
        self._init_canvas()
        ax = fig.add_axes((0.01, legend_px / height_px, 0.98, hosp_px / height_px))
        self.ax = ax
        ax.set_axis_off()
        ax.set_xlim(*xlim)
        ax.set_ylim(*ylim)
        ax.set_aspect("equal", adjustable="box", anchor="C")

        # --- microsystem discs and directorate frames (static geometry)
        ms = org.microsystem
        n_ms = org.n_microsystems
        in_ms = ms >= 0
        cnt = np.maximum(np.bincount(ms[in_ms], minlength=n_ms), 1)
        cx = np.bincount(ms[in_ms], weights=x[in_ms], minlength=n_ms) / cnt
        cy = np.bincount(ms[in_ms], weights=y[in_ms], minlength=n_ms) / cnt
        self.ms_centre = np.stack([cx, cy], 1)
        discs = [Circle((a, b), 0.48) for a, b in self.ms_centre]
        self.discs = PatchCollection(
            discs, facecolor="#eeeeee", edgecolor="#9a9a9a", linewidth=1.0 * k
        )
        self.discs.set_zorder(0)
        ax.add_collection(self.discs)
        self._animate(self.discs)
        n_dir = int(org.ms_directorate.max()) + 1 if n_ms else 0
        self.dir_top = []
        for d in range(n_dir):
            sel = org.ms_directorate == d
            lo = self.ms_centre[sel].min(0) - 0.56
            hi = self.ms_centre[sel].max(0) + 0.56
            ax.add_patch(
                FancyBboxPatch(
                    tuple(lo),
                    *(hi - lo),
                    boxstyle="round,pad=0.02,rounding_size=0.15",
                    facecolor="none",
                    edgecolor="#555555",
                    linewidth=1.4 * k,
                    zorder=0,
                )
            )
            ax.text(
                (lo[0] + hi[0]) / 2,
                lo[1] - 0.06,
                f"Directorate {d + 1}",
                fontsize=look.fs(16),
                color=INK,
                ha="center",
                va="top",
                fontweight="bold",
            )
            self.dir_top.append(((lo[0] + hi[0]) / 2, hi[1]))

        # --- the management line (width and colour follow the week's pressure)
        gm = np.flatnonzero(org.role == Role.GENERAL_MANAGER)
        ce = np.flatnonzero(org.role == Role.CHIEF_EXECUTIVE)
        segs = []
        # The reach (share of the top's pressure passed on by the line's ties) at the
        # lower end of each segment: the general manager's own, then the mean over the
        # directorate's clinical staff.
        reach = model.constants.reach
        clinical = model.constants.clinical
        seg_reach = []
        if ce.size:
            top = self.pos[ce[0]]
            for g in gm:
                segs.append([top, self.pos[g]])
                seg_reach.append(float(reach[g]))
                d = int(org.directorate[g])
                if 0 <= d < len(self.dir_top):
                    segs.append([self.pos[g], (self.pos[g][0], self.dir_top[d][1])])
                    staff = clinical & (org.directorate == d)
                    seg_reach.append(float(reach[staff].mean()) if staff.any() else 0.0)
        self.seg_reach = np.asarray(seg_reach)
        self.line = LineCollection(segs, colors="#8c8c8c", linewidths=1.5 * k, zorder=1)
        ax.add_collection(self.line)
        self._animate(self.line)
        for i, name, dx, ha in (
            *((i, "Chief executive", 0.0, "center") for i in ce),
            *(
                (i, "Medical director", -0.28, "right")
                for i in np.flatnonzero(org.role == Role.MEDICAL_DIRECTOR)
            ),
            *(
                (i, "Nursing director", 0.28, "left")
                for i in np.flatnonzero(org.role == Role.NURSING_DIRECTOR)
            ),
        ):
            ax.text(
                self.pos[i, 0] + dx,
                self.pos[i, 1] + (0.24 if ha == "center" else 0.0),
                name,
                fontsize=look.fs(14),
                ha=ha,
                va="bottom" if ha == "center" else "center",
                color=INK,
            )
        if gm.size:
            ax.text(
                x.min() - 0.6,
                self.pos[gm[0], 1],
                "General\nmanagers",
                fontsize=look.fs(13),
                ha="left",
                va="center",
                color=INK,
            )

        # --- dynamic layers (data set in update)
        self.engage = LineCollection([], colors=PURPLE, linewidths=2.2 * k, alpha=0.9, zorder=2)
        ax.add_collection(self.engage)
        self._animate(self.engage)
        # A champion wears a small black star at the upper right, like a badge: quiet
        # enough that an improved microsystem full of champions stays a disc.
        self.champ = ax.scatter(
            [],
            [],
            s=CHAMPION_SIZE * k**2,
            marker="*",
            facecolors=BLACK,
            edgecolors="white",
            linewidths=0.6 * k,
            zorder=7,
        )
        self.ring = ax.scatter(
            [],
            [],
            s=[],
            marker="o",
            facecolors="none",
            edgecolors=VERMILLION,
            linewidths=2.4 * k,
            zorder=4,
        )
        self.people = {}
        for kind, marker in SHAPES.items():
            idx = np.flatnonzero(self.shape == kind)
            if idx.size == 0:
                continue
            sc = ax.scatter(
                x[idx],
                y[idx],
                s=self.sizes[idx],
                marker=marker,
                c=np.zeros(idx.size),
                cmap=CMAP,
                vmin=0.0,
                vmax=1.0,
                edgecolors=np.where(self.leader[idx], BLACK, "#444444"),
                linewidths=np.where(self.leader[idx], 2.2, 0.5) * k,
                zorder=5,
            )
            self.people[kind] = (idx, sc)
            self._animate(sc)
        self.dot = ax.scatter(
            [],
            [],
            s=30 * k**2,
            marker="o",
            facecolors="white",
            edgecolors=BLACK,
            linewidths=1.0 * k,
            zorder=6,
        )
        # Tick-box practice: the same dot, only its left half white.
        self.tickbox = ax.scatter(
            [],
            [],
            s=30 * k**2,
            marker=MarkerStyle("o", fillstyle="left"),
            facecolors="white",
            edgecolors=BLACK,
            linewidths=1.0 * k,
            zorder=6,
        )
        ty = 1.0 - 8.0 / height_px
        self.title = fig.text(0.01, ty, "", fontsize=22, fontweight="bold", va="top", color=INK)
        self.subtitle = fig.text(0.99, ty, "", fontsize=16, va="top", ha="right", color=INK)
        self._animate(self.champ, self.ring, self.dot, self.tickbox, self.title, self.subtitle)
        if legend:
            draw_legend(fig, self.cutoff, look=look, height_px=height_px)

    # ------------------------------------------------------------------ update
    def update(self) -> None:
        """Refresh every layer from the model's current state."""
        m = self.model
        s = m.state
        cut = self.cutoff
        for idx, sc in self.people.values():
            sc.set_array(s.commitment[idx])
        cnc = (s.compliance >= cut) & (s.commitment < cut)
        self.ring.set_offsets(self.pos[cnc])
        k = self.look.scale
        self.ring.set_sizes(self.sizes[cnc] * 1.7 + 40 * k**2)
        practising = s.practising.astype(bool)
        tick = practising & tickbox(s.fidelity, m.params.compelled_fidelity)
        self.dot.set_offsets(self.pos[practising & ~tick])
        self.tickbox.set_offsets(self.pos[tick])
        self.champ.set_offsets(self.pos[s.champion.astype(bool)] + CHAMPION_OFFSET)
        src = np.flatnonzero(s.target >= 0)
        self.engage.set_segments(np.stack([self.pos[src], self.pos[s.target[src]]], 1))
        perf = np.clip(s.performance, 0.0, 1.0)
        light = np.array([0.93, 0.93, 0.93])
        gold = np.array([0.953, 0.851, 0.545])
        rgb = light[None, :] * (1 - perf[:, None]) + gold[None, :] * perf[:, None]
        self.discs.set_facecolor(rgb)
        improved = s.performance >= cut
        self.discs.set_edgecolor(np.where(improved[:, None], [[0, 0, 0, 1]], [[0.6, 0.6, 0.6, 1]]))
        self.discs.set_linewidth(np.where(improved, 2.6, 1.0) * k)
        p = float(s.pressure)
        self.line.set_linewidth((1.5 + 8.0 * np.minimum(1.0, p * self.seg_reach)) * k)
        self.line.set_color(VERMILLION if p > 0 else "#8c8c8c")
        if self.look.title:  # projector mode shows the week and status above the picture
            prefix = f"{self.title_prefix} · " if self.title_prefix else ""
            self.title.set_text(f"{prefix}Week {s.week} of {m.params.weeks}")
            self.subtitle.set_text(status_text(m))

    def png(self) -> bytes:
        """The current picture as PNG bytes (refreshed from the model)."""
        self.update()
        return self.frame()

    def export_png(self, scale: float = 1.0) -> bytes:
        """A full, well-compressed PNG of the model's current state (for downloads)."""
        self.update()
        return super().export_png(scale)


def tickbox(fidelity: np.ndarray, compelled_fidelity: float) -> np.ndarray:
    """Who practises mostly as a tick-box: fidelity below halfway from ``f_c`` to 1.

    Under either ``fidelity_form`` this is exactly "compliance was the stronger motive"
    (``c < k``) when this week's practice was done; with ``compelled_fidelity = 1``
    nobody's practice is a tick-box.
    """
    return fidelity < (1.0 + compelled_fidelity) / 2.0


def legend_handles() -> list[Line2D]:
    """The legend's entries, in plain words: what each mark, disc, line and frame is."""

    def mark(label: str, **kw) -> Line2D:
        style = {"ls": "", "ms": 13, "mfc": "#888888", "mec": "#444444"} | kw
        return Line2D([], [], label=label, **style)

    return [
        mark("Consultant", marker="^"),
        mark("Junior doctor", marker="v"),
        mark("Nurse", marker="o"),
        mark("Manager", marker="s"),
        mark("Leader (large, black rim)", marker="o", ms=18, mec=BLACK, mew=2.4),
        mark("Champion (small star)", marker="*", ms=12, mfc=BLACK, mec="white", mew=0.6),
        mark("Compliant, not committed", marker="o", ms=16, mfc="none", mec=VERMILLION, mew=3),
        mark("Practising faithfully", marker="o", ms=7, mfc="white", mec=BLACK, mew=1.2),
        mark(
            "Practising as a tick-box",
            marker="o",
            fillstyle="left",
            ms=7,
            mfc="white",
            mfcalt="#888888",
            mec=BLACK,
            mew=1.2,
        ),
        Line2D([], [], color=PURPLE, lw=3, label="Persuading a colleague"),
        mark("Ward, clinic or team", marker="o", ms=20, mfc="#eeeeee", mec="#9a9a9a", mew=1.2),
        mark("Improved (gold, bold rim)", marker="o", ms=20, mfc="#f3d98b", mec=BLACK, mew=2.5),
        mark("Directorate (frame)", marker="s", ms=20, mfc="none", mec="#555555", mew=1.4),
    ]


LEGEND_TITLE = "Each mark is one person; its shape is the job"


def draw_legend(fig: Figure, cutoff: float, look: Look = SCREEN, height_px: float | None = None):
    """The picture's legend (people, rings, dots, lines, discs, frames) and the commitment
    colour bar, in the bottom strip of ``fig`` (``look.legend_px`` high, or all of it).
    """
    h = float(height_px if height_px is not None else fig.get_figheight() * fig.dpi)
    strip = min(h, float(look.legend_px))
    fs = look.fs(14)
    px = look.dpi / 72.0  # pixels per point
    projector = look.legend_ncol < 4
    fig.legend(
        handles=legend_handles(),
        title=LEGEND_TITLE,
        title_fontproperties={"size": fs, "weight": "bold"},
        alignment="left",
        loc="upper left",
        bbox_to_anchor=(0.005, (strip - 2) / h),
        ncol=look.legend_ncol,
        fontsize=fs,
        frameon=False,
        handletextpad=0.4,
        columnspacing=1.0 if projector else 1.2,
        labelspacing=0.3,
        borderaxespad=0.0,
    )
    if projector:  # under the legend, most of the width
        bar = (0.40, 26 * px / h, 0.56, 14 * px / h)
    else:  # to the right of the legend
        bar = (0.79, 30 * px / h, 0.19, 14 * px / h)
    cax = fig.add_axes(bar)
    grad = np.linspace(0, 1, 256)[None, :]
    cax.imshow(grad, aspect="auto", cmap=CMAP, extent=(0, 1, 0, 1))
    cax.set_yticks([])
    cax.set_xticks([0, cutoff, 1])
    cax.set_xticklabels(["0 none", f"{cutoff:g} committed", "1 full"], fontsize=look.fs(12))
    cax.set_title("Fill colour = commitment", fontsize=fs, loc="left")


def legend_png(cutoff: float = 0.5, scale: float = 1.0) -> bytes:
    """The legend alone, as a strip under the two hospitals of compare mode."""
    fig = Figure(figsize=(16, SCREEN.legend_px / DPI), dpi=DPI, facecolor="white")
    FigureCanvasAgg(fig)
    draw_legend(fig, cutoff)
    return _png(fig, scale)


def side_by_side_png(pictures: list[bytes], legend: bytes, title: str, scale: float = 1.0):
    """One slide-ready PNG: ``pictures`` (PNG bytes, the same height) side by side, the
    ``legend`` strip centred under them and ``title`` (compare mode's verdict) on top.

    The pictures keep their own pixels (no resampling), so an export at ``scale`` 2 is
    as sharp as the hospitals rendered at scale 2.
    """
    ims = [Image.open(io.BytesIO(b)).convert("RGB") for b in pictures]
    leg = Image.open(io.BytesIO(legend)).convert("RGB")
    gap = round(24 * scale)
    width = sum(im.width for im in ims) + gap * (len(ims) - 1)
    fig = Figure(figsize=(width / DPI, 56 * scale / DPI), dpi=DPI, facecolor="white")
    FigureCanvasAgg(fig)
    fig.text(0.01, 0.5, title, fontsize=24 * scale, fontweight="bold", va="center", color=INK)
    head = Image.open(io.BytesIO(_png(fig))).convert("RGB")
    height = head.height + max(im.height for im in ims) + leg.height
    out = Image.new("RGB", (width, height), "white")
    out.paste(head, (0, 0))
    x = 0
    for im in ims:
        out.paste(im, (x, head.height))
        x += im.width + gap
    out.paste(leg, ((width - leg.width) // 2, height - leg.height))
    buf = io.BytesIO()
    out.save(buf, format="png", optimize=True)
    return buf.getvalue()


def min_text_px(fig: Figure) -> float:
    """The smallest text in ``fig`` in pixels of its PNG (font size in points x dpi / 72)."""
    fig.canvas.draw()
    sizes = [
        t.get_fontsize()
        for t in fig.findobj(lambda a: hasattr(a, "get_fontsize") and hasattr(a, "get_text"))
        if t.get_text().strip() and t.get_visible()
    ]
    return min(sizes) * fig.dpi / 72.0 if sizes else float("inf")


def status_text(model, champions: bool = True) -> str:
    """One line saying whether the intervention runs, with its strategy.

    After withdrawal it says how many champions carry on (``champions=False``: not, e.g.
    when one line speaks for the two hospitals of compare mode).
    """
    pr = model.params
    s = model.state
    if pr.strategy == "none":
        return "No intervention"
    if model.intervention_active:
        what = {"mandate": "Mandate", "persuasion": "Persuasion", "hybrid": "Hybrid"}[pr.strategy]
        return f"{what} running · withdrawal planned at week {pr.withdrawal_week}"
    if s.withdrawn or s.week >= pr.withdrawal_week:
        if not champions:
            return "Intervention withdrawn"
        n = int(np.count_nonzero(s.champion))
        if n == 0:
            return "Intervention withdrawn: no champions to carry it on"
        if n == 1:
            return "Intervention withdrawn: 1 champion carries on"
        return f"Intervention withdrawn: {n} champions carry on"
    return f"Intervention starts at week {pr.intervention_start}"


# ---------------------------------------------------------------------- curves
#: The curves: reporter, name (from :mod:`medlead.model.labels`), colour, line style.
CURVES: tuple[tuple[str, str, str, str], ...] = tuple(
    (key, label(key).title, colour, ls)
    for key, colour, ls in (
        ("committed_share", BLUE, "-"),
        ("compliant_share", VERMILLION, "--"),
        ("practising_share", BLACK, "-"),
        ("faithful_practising_share", GREEN, "-."),
        ("microsystems_improved_share", ORANGE, ":"),
    )
)
#: Compare mode's default: practising only, one colour per lane (the room reads one
#: curve per hospital instead of eight).
PRACTISING_ONLY: tuple[str, ...] = ("practising_share",)
LANE_COLOURS: tuple[str, ...] = (BLACK, BLUE)


def withdrawal_week_of(history: np.ndarray) -> int | None:
    """The first week after which the intervention stopped, from the recorded history."""
    col = REPORTERS.index("intervention_active")
    active = history[:, col] > 0
    if not active.any():
        return None
    last = int(np.flatnonzero(active)[-1])
    return last if last < history.shape[0] - 1 else None


class CurvesPicture(_Blitted):
    """Shares over time and the engagement gap, with the intervention shaded.

    Several runs (compare mode) share the same axes; each gets its own line width
    pattern and a label prefix. ``measures`` (reporter names) limits the curves: with
    one measure and several runs, each run gets its own colour (:data:`LANE_COLOURS`)
    and the legend names the runs, which is what a room can read from the back.
    """

    def __init__(
        self,
        weeks: int,
        n_runs: int = 1,
        labels: tuple[str, ...] = ("",),
        measures: tuple[str, ...] | None = None,
    ):
        fig = Figure(figsize=(16, 5.2), dpi=DPI, facecolor="white")
        self.fig = fig
        self._init_canvas()
        gs = fig.add_gridspec(
            1,
            2,
            width_ratios=(2.3, 1),
            left=0.065,
            right=0.99,
            top=0.8,
            bottom=0.14,
            wspace=0.18,
        )
        self.ax = fig.add_subplot(gs[0])
        self.gap_ax = fig.add_subplot(gs[1])
        self.weeks = weeks
        self.labels = labels
        self.lines: list[dict[str, Line2D]] = []
        styles = ["-", "--"] if n_runs > 1 else None
        widths = [3.2, 2.2]
        curves = [c for c in CURVES if measures is None or c[0] in measures]
        by_lane = len(curves) == 1 and n_runs > 1
        if by_lane:
            widths = [4.0, 4.0]
        for r in range(n_runs):
            d = {}
            for key, name, colour, ls in curves:
                text = f"{labels[r]}: {name}" if labels[r] else name
                (d[key],) = self.ax.plot(
                    [],
                    [],
                    color=LANE_COLOURS[r % 2] if by_lane else colour,
                    ls=styles[r] if styles else ls,
                    lw=widths[min(r, 1)],
                    label=labels[r] if by_lane else text,
                )
            (d["engagement_gap"],) = self.gap_ax.plot(
                [],
                [],
                color=PURPLE,
                ls=styles[r] if styles else "-",
                lw=widths[min(r, 1)],
                label=labels[r] or "gap",
            )
            self.lines.append(d)
            self._animate(*d.values())
        for ax in (self.ax, self.gap_ax):
            ax.set_xlim(0, weeks)
            ax.set_xlabel("Week", fontsize=15)
            ax.tick_params(labelsize=13)
            ax.grid(True, color="#dddddd")
        self.ax.set_ylim(0, 1)
        self.ax.set_yticks(np.linspace(0, 1, 6))
        self.ax.set_yticklabels([f"{v:.0%}" for v in np.linspace(0, 1, 6)])
        unit = label("practising_share").unit
        self.ax.set_ylabel(unit[0].upper() + unit[1:], fontsize=15)
        if by_lane:
            self.ax.set_title(label(curves[0][0]).title, fontsize=18, loc="right")
        self.gap_ax.set_title(
            f"{label('engagement_gap').title}\n(leaders' minus followers' commitment)",
            fontsize=15,
            loc="left",
        )
        self.gap_ax.set_ylim(-0.2, 0.8)
        self.gap_ax.axhline(0, color="#888888", lw=1)
        if n_runs == 1:
            handles = [ln for k, ln in self.lines[0].items() if k != "engagement_gap"]
        elif by_lane:
            handles = [d[curves[0][0]] for d in self.lines]
        else:
            handles = [Line2D([], [], color=c, lw=3, label=n) for _, n, c, _ in curves]
            if len(handles) % 2:  # keep the runs' line styles together in the last column
                handles.append(Line2D([], [], ls="", label=" "))
            handles += [
                Line2D([], [], color="#444444", lw=widths[r], ls=styles[r], label=labels[r])
                for r in range(n_runs)
            ]
        self.ax.legend(
            handles=handles,
            loc="lower left",
            bbox_to_anchor=(0.0, 1.0),
            fontsize=18 if by_lane else 14,
            ncol=3 if n_runs == 1 else 4,
            frameon=False,
            handlelength=2.6,
            borderaxespad=0.2,
        )
        self.spans: list = []

    def update(
        self, histories: list[np.ndarray], planned_withdrawal: list[int], start: int = 0
    ) -> None:
        """Redraw every run's curves; shade the intervention; mark withdrawal."""
        wcol = REPORTERS.index("week")
        for d, h in zip(self.lines, histories, strict=False):
            wk = h[:, wcol]
            for key, line in d.items():
                line.set_data(wk, h[:, REPORTERS.index(key)])
        for a in self.spans:
            self._forget(a)
        self.spans = []
        h = histories[0]
        now = int(h[-1, wcol])
        actual = withdrawal_week_of(h)
        active_any = (h[:, REPORTERS.index("intervention_active")] > 0).any()
        for ax in (self.ax, self.gap_ax):
            self.spans.append(ax.axvline(now, color="#555555", lw=1.2, ls="-"))
            if active_any or now <= start:
                end = actual if actual is not None else max(planned_withdrawal)
                self.spans.append(ax.axvspan(start, end, color=SKY, alpha=0.15, lw=0))
            if actual is not None:
                self.spans.append(ax.axvline(actual, color=VERMILLION, lw=2.5))
            else:
                for w in set(planned_withdrawal):
                    self.spans.append(ax.axvline(w, color=VERMILLION, lw=2, ls="--"))
        label = (
            f"withdrawn at week {actual}"
            if actual is not None
            else f"withdrawal planned: week {max(planned_withdrawal)}"
        )
        x = actual if actual is not None else max(planned_withdrawal)
        self.spans.append(
            self.ax.text(
                x + 1,
                0.97,
                label,
                color=VERMILLION,
                fontsize=14,
                ha="left",
                va="top",
                transform=self.ax.get_xaxis_transform(),
                bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 1},
            )
        )
        self.spans.append(
            self.ax.text(
                start + 1,
                0.97,
                "intervention",
                color=BLUE,
                fontsize=14,
                va="top",
                ha="left",
                transform=self.ax.get_xaxis_transform(),
            )
        )
        self._animate(*self.spans)

    def png(self) -> bytes:
        """The current curves as PNG bytes."""
        return self.frame()


#: The projector's small curves: the same four measures as its four big numbers.
#: Names from the labels, except "Improved": "Microsystems improved" does not fit two
#: legend columns in 370 px at 18 px.
SMALL_CURVES: tuple[tuple[str, str, str, str], ...] = tuple(
    (key, short or label(key).title, colour, ls)
    for key, short, colour, ls in (
        ("committed_share", "", BLUE, "-"),
        ("compliant_share", "", VERMILLION, "--"),
        ("practising_share", "", BLACK, "-"),
        ("microsystems_improved_share", "Improved", ORANGE, ":"),
    )
)


class SmallCurvesPicture(_Blitted):
    """Projector mode's curves: four shares of one run, drawn at their display size
    (``width_px`` x ``height_px`` at 72 dpi) with no text under ``min_font`` pixels.

    With ``lanes`` (compare mode: one name per lane) it draws the practising share of
    each lane instead, one colour each (:data:`LANE_COLOURS`), as the page's curves do.
    """

    def __init__(
        self,
        weeks: int,
        width_px: int = 370,
        height_px: int = 380,
        min_font=18.0,
        lanes: tuple[str, ...] = (),
    ):
        dpi = 72
        self.height_px = height_px
        fig = Figure(figsize=(width_px / dpi, height_px / dpi), dpi=dpi, facecolor="white")
        self.fig = fig
        self._init_canvas()
        fs = min_font
        self.ax = ax = fig.add_axes(
            (58 / width_px, 60 / height_px, 1 - 84 / width_px, 1 - 128 / height_px)
        )
        # (lane, reporter) -> line
        self.lines: dict[tuple[int, str], Line2D] = {}
        if lanes:
            for i, name in enumerate(lanes):
                (self.lines[i, "practising_share"],) = ax.plot(
                    [], [], color=LANE_COLOURS[i % 2], ls=("-", "--")[i % 2], lw=4.0, label=name
                )
        else:
            for key, name, colour, ls in SMALL_CURVES:
                (self.lines[0, key],) = ax.plot([], [], color=colour, ls=ls, lw=3.0, label=name)
        self._animate(*self.lines.values())
        ax.set_xlim(0, weeks)
        ax.set_ylim(0, 1)
        ax.set_xticks([0, 52, 104, 156] if weeks == 156 else np.linspace(0, weeks, 4).round())
        ax.set_yticks([0, 0.5, 1])
        ax.set_yticklabels(["0%", "50%", "100%"])
        ax.tick_params(labelsize=fs)
        ax.grid(True, color="#dddddd")
        ax.set_xlabel("week", fontsize=fs, labelpad=0)
        ax.legend(
            loc="lower left",
            bbox_to_anchor=(-0.14, 1.0),
            ncol=1 if lanes else 2,
            fontsize=fs,
            frameon=False,
            handlelength=1.6,
            columnspacing=0.8,
            borderaxespad=0.2,
            labelspacing=0.2,
        )
        self.spans: list = []

    def update(
        self, history: np.ndarray | list[np.ndarray], planned_withdrawal: int, start: int = 0
    ) -> None:
        """Redraw the curves (``history``: one run's, or a list, one per lane); shade the
        intervention; mark now and the withdrawal (of the first lane).
        """
        histories = history if isinstance(history, list) else [history]
        for (lane, key), line in self.lines.items():
            h = histories[lane]
            line.set_data(h[:, REPORTERS.index("week")], h[:, REPORTERS.index(key)])
        history = histories[0]
        wk = history[:, REPORTERS.index("week")]
        for a in self.spans:
            self._forget(a)
        now = int(wk[-1])
        actual = withdrawal_week_of(history)
        end = actual if actual is not None else planned_withdrawal
        active_any = (history[:, REPORTERS.index("intervention_active")] > 0).any()
        self.spans = [self.ax.axvline(now, color="#555555", lw=1.2)]
        if active_any or now <= start:
            self.spans.append(self.ax.axvspan(start, end, color=SKY, alpha=0.15, lw=0))
        self.spans.append(
            self.ax.axvline(end, color=VERMILLION, lw=2.5, ls="-" if actual is not None else "--")
        )
        self._animate(*self.spans)

    def png(self) -> bytes:
        """The current curves as PNG bytes."""
        return self.frame()


__all__ = [
    "CMAP",
    "CurvesPicture",
    "PROJECTOR",
    "SCREEN",
    "HospitalPicture",
    "Look",
    "SmallCurvesPicture",
    "min_text_px",
    "draw_legend",
    "legend_png",
    "side_by_side_png",
    "status_text",
    "tickbox",
    "withdrawal_week_of",
]
