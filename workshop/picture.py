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
- large marker with a black rim = holds a leadership role; a star behind = champion;
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
EXEC_SIZE = 320.0
DPI = 80


def _shape_of(role: np.ndarray, world: np.ndarray) -> np.ndarray:
    shape = np.where(
        world == World.DOCTOR, "doctor", np.where(world == World.NURSE, "nurse", "manager")
    )
    shape = np.where(role == Role.JUNIOR, "junior", shape)
    return shape


def _png(fig: Figure) -> bytes:
    """A full render of ``fig`` (for exports)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, facecolor=fig.get_facecolor())
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

    def export_png(self) -> bytes:
        """A full, well-compressed PNG of the current picture (for downloads)."""
        for a in self._dynamic:
            a.set_animated(False)
        try:
            return _png(self.fig)
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

    def __init__(self, model, title: str = "", legend: bool = True):
        self.model = model
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
        self.sizes = np.where(org.role == Role.GENERAL_MANAGER, LEADER_SIZE, self.sizes)
        self.leader = leader

        fig = Figure(figsize=(16, 6.6 if legend else 5.1), dpi=DPI, facecolor="white")
        self.fig = fig
        self._init_canvas()
        ax = fig.add_axes((0.01, 0.2, 0.98, 0.71) if legend else (0.01, 0.01, 0.98, 0.87))
        self.ax = ax
        ax.set_axis_off()
        x, y = self.pos[:, 0], self.pos[:, 1]
        ax.set_xlim(x.min() - 0.7, x.max() + 0.7)
        ax.set_ylim(y.min() - 0.95, y.max() + 0.5)
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
        self.discs = PatchCollection(discs, facecolor="#eeeeee", edgecolor="#9a9a9a", linewidth=1.0)
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
                    linewidth=1.4,
                    zorder=0,
                )
            )
            ax.text(
                (lo[0] + hi[0]) / 2,
                lo[1] - 0.06,
                f"Directorate {d + 1}",
                fontsize=16,
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
        self.line = LineCollection(segs, colors="#8c8c8c", linewidths=1.5, zorder=1)
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
                fontsize=14,
                ha=ha,
                va="bottom" if ha == "center" else "center",
                color=INK,
            )
        if gm.size:
            ax.text(
                x.min() - 0.6,
                self.pos[gm[0], 1],
                "General\nmanagers",
                fontsize=13,
                ha="left",
                va="center",
                color=INK,
            )

        # --- dynamic layers (data set in update)
        self.engage = LineCollection([], colors=PURPLE, linewidths=2.2, alpha=0.9, zorder=2)
        ax.add_collection(self.engage)
        self._animate(self.engage)
        self.champ = ax.scatter(
            [],
            [],
            s=520,
            marker="*",
            facecolors="none",
            edgecolors=BLACK,
            linewidths=1.6,
            zorder=3,
        )
        self.ring = ax.scatter(
            [],
            [],
            s=[],
            marker="o",
            facecolors="none",
            edgecolors=VERMILLION,
            linewidths=2.4,
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
                linewidths=np.where(self.leader[idx], 2.2, 0.5),
                zorder=5,
            )
            self.people[kind] = (idx, sc)
            self._animate(sc)
        self.dot = ax.scatter(
            [],
            [],
            s=30,
            marker="o",
            facecolors="white",
            edgecolors=BLACK,
            linewidths=1.0,
            zorder=6,
        )
        # Tick-box practice: the same dot, only its left half white.
        self.tickbox = ax.scatter(
            [],
            [],
            s=30,
            marker=MarkerStyle("o", fillstyle="left"),
            facecolors="white",
            edgecolors=BLACK,
            linewidths=1.0,
            zorder=6,
        )
        self.title = fig.text(0.01, 0.975, "", fontsize=22, fontweight="bold", va="top", color=INK)
        self.subtitle = fig.text(0.99, 0.975, "", fontsize=16, va="top", ha="right", color=INK)
        self._animate(self.champ, self.ring, self.dot, self.tickbox, self.title, self.subtitle)
        if legend:
            draw_legend(fig, self.cutoff)

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
        self.ring.set_sizes(self.sizes[cnc] * 1.7 + 40)
        practising = s.practising.astype(bool)
        tick = practising & tickbox(s.fidelity, m.params.compelled_fidelity)
        self.dot.set_offsets(self.pos[practising & ~tick])
        self.tickbox.set_offsets(self.pos[tick])
        self.champ.set_offsets(self.pos[s.champion.astype(bool)])
        src = np.flatnonzero(s.target >= 0)
        self.engage.set_segments(np.stack([self.pos[src], self.pos[s.target[src]]], 1))
        perf = np.clip(s.performance, 0.0, 1.0)
        light = np.array([0.93, 0.93, 0.93])
        gold = np.array([0.953, 0.851, 0.545])
        rgb = light[None, :] * (1 - perf[:, None]) + gold[None, :] * perf[:, None]
        self.discs.set_facecolor(rgb)
        improved = s.performance >= cut
        self.discs.set_edgecolor(np.where(improved[:, None], [[0, 0, 0, 1]], [[0.6, 0.6, 0.6, 1]]))
        self.discs.set_linewidth(np.where(improved, 2.6, 1.0))
        p = float(s.pressure)
        self.line.set_linewidth(1.5 + 8.0 * np.minimum(1.0, p * self.seg_reach))
        self.line.set_color(VERMILLION if p > 0 else "#8c8c8c")
        prefix = f"{self.title_prefix} · " if self.title_prefix else ""
        self.title.set_text(f"{prefix}Week {s.week} of {m.params.weeks}")
        self.subtitle.set_text(status_text(m))

    def png(self) -> bytes:
        """The current picture as PNG bytes (refreshed from the model)."""
        self.update()
        return self.frame()

    def export_png(self) -> bytes:
        """A full, well-compressed PNG of the model's current state (for downloads)."""
        self.update()
        return super().export_png()


def tickbox(fidelity: np.ndarray, compelled_fidelity: float) -> np.ndarray:
    """Who practises mostly as a tick-box: fidelity below halfway from ``f_c`` to 1.

    Under either ``fidelity_form`` this is exactly "compliance was the stronger motive"
    (``c < k``) when this week's practice was done; with ``compelled_fidelity = 1``
    nobody's practice is a tick-box.
    """
    return fidelity < (1.0 + compelled_fidelity) / 2.0


def draw_legend(fig: Figure, cutoff: float, ncol: int = 4, bar_rect=(0.79, 0.085, 0.19, 0.035)):
    """The picture's legend (shapes, rings, dots, lines) and the commitment colour bar."""
    handles = [
        Line2D([], [], ls="", marker="^", ms=13, mfc="#888888", mec="#444444", label="Consultant"),
        Line2D(
            [],
            [],
            ls="",
            marker="v",
            ms=13,
            mfc="#888888",
            mec="#444444",
            label="Junior doctor",
        ),
        Line2D([], [], ls="", marker="o", ms=13, mfc="#888888", mec="#444444", label="Nurse"),
        Line2D([], [], ls="", marker="s", ms=13, mfc="#888888", mec="#444444", label="Manager"),
        Line2D(
            [],
            [],
            ls="",
            marker="o",
            ms=18,
            mfc="#888888",
            mec=BLACK,
            mew=2.4,
            label="Leader (large, black rim)",
        ),
        Line2D([], [], ls="", marker="*", ms=22, mfc="none", mec=BLACK, mew=1.6, label="Champion"),
        Line2D(
            [],
            [],
            ls="",
            marker="o",
            ms=16,
            mfc="none",
            mec=VERMILLION,
            mew=3,
            label="Compliant, not committed",
        ),
        Line2D(
            [],
            [],
            ls="",
            marker="o",
            ms=7,
            mfc="white",
            mec=BLACK,
            mew=1.2,
            label="Practising faithfully",
        ),
        Line2D(
            [],
            [],
            ls="",
            marker="o",
            fillstyle="left",
            ms=7,
            mfc="white",
            mfcalt="#888888",
            mec=BLACK,
            mew=1.2,
            label="Practising, mostly a tick-box",
        ),
        Line2D([], [], color=PURPLE, lw=3, label="Leader persuading a colleague"),
        Line2D(
            [],
            [],
            ls="",
            marker="o",
            ms=20,
            mfc="#f3d98b",
            mec=BLACK,
            mew=2.5,
            label="Microsystem improved",
        ),
    ]
    fig.legend(
        handles=handles,
        loc="lower left",
        bbox_to_anchor=(0.005, 0.0),
        ncol=ncol,
        fontsize=14,
        frameon=False,
        handletextpad=0.4,
        columnspacing=1.2,
    )
    cax = fig.add_axes(bar_rect)
    grad = np.linspace(0, 1, 256)[None, :]
    cax.imshow(grad, aspect="auto", cmap=CMAP, extent=(0, 1, 0, 1))
    cax.set_yticks([])
    cax.set_xticks([0, cutoff, 1])
    cax.set_xticklabels(["0", f"{cutoff:g}\ncommitted", "1"], fontsize=12)
    cax.set_title("Fill colour: commitment", fontsize=14, loc="left")


def legend_png(cutoff: float = 0.5) -> bytes:
    """The legend alone, as a strip under the two hospitals of compare mode."""
    fig = Figure(figsize=(16, 1.25), dpi=DPI, facecolor="white")
    FigureCanvasAgg(fig)
    draw_legend(fig, cutoff, ncol=4, bar_rect=(0.79, 0.38, 0.19, 0.22))
    return _png(fig)


def status_text(model) -> str:
    """One line saying whether the intervention runs, with its strategy."""
    pr = model.params
    s = model.state
    if pr.strategy == "none":
        return "No intervention"
    if model.intervention_active:
        what = {"mandate": "Mandate", "persuasion": "Persuasion", "hybrid": "Hybrid"}[pr.strategy]
        return f"{what} running · withdrawal planned at week {pr.withdrawal_week}"
    if s.withdrawn or s.week >= pr.withdrawal_week:
        return "Intervention withdrawn: champions carry on"
    return f"Intervention starts at week {pr.intervention_start}"


# ---------------------------------------------------------------------- curves
CURVES: tuple[tuple[str, str, str, str], ...] = (
    ("committed_share", "Committed", BLUE, "-"),
    ("compliant_share", "Compliant", VERMILLION, "--"),
    ("practising_share", "Practising", BLACK, "-"),
    ("faithful_practising_share", "Practising faithfully", GREEN, "-."),
    ("microsystems_improved_share", "Microsystems improved", ORANGE, ":"),
)


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
    pattern and a label prefix.
    """

    def __init__(self, weeks: int, n_runs: int = 1, labels: tuple[str, ...] = ("",)):
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
        for r in range(n_runs):
            d = {}
            for key, name, colour, ls in CURVES:
                label = f"{labels[r]}: {name}" if labels[r] else name
                (d[key],) = self.ax.plot(
                    [],
                    [],
                    color=colour,
                    ls=styles[r] if styles else ls,
                    lw=widths[min(r, 1)],
                    label=label,
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
        self.ax.set_ylabel("Share of clinical staff", fontsize=15)
        self.gap_ax.set_title(
            "Engagement gap\n(leaders' minus followers' commitment)", fontsize=15, loc="left"
        )
        self.gap_ax.set_ylim(-0.2, 0.8)
        self.gap_ax.axhline(0, color="#888888", lw=1)
        if n_runs == 1:
            handles = [ln for k, ln in self.lines[0].items() if k != "engagement_gap"]
        else:
            handles = [Line2D([], [], color=c, lw=3, label=n) for _, n, c, _ in CURVES]
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
            fontsize=14,
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


__all__ = [
    "CMAP",
    "CurvesPicture",
    "HospitalPicture",
    "draw_legend",
    "legend_png",
    "status_text",
    "tickbox",
    "withdrawal_week_of",
]
