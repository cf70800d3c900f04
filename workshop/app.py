"""The workshop app: ``solara run medlead.workshop.app`` (or ``medlead workshop``).

A facilitator projects this in a room of clinicians and managers. The page shows the
hospital (microsystems grouped by directorate, management above), the curves over time
and big headline numbers; the controls choose a hospital (preset), a strategy, the key
levers and the seed, and step, play, pause, reset and withdraw the intervention.
Choosing a hospital, a strategy or a seed restarts the run at week 0; slider changes
wait for Reset, so nobody is surprised mid-run. The pictures are plain PNGs rendered by
:mod:`medlead.workshop.picture`, so nothing needs a CDN (see ``workshop/README.md``).
"""

from __future__ import annotations

import asyncio
import dataclasses
import html
import random
import time
import urllib.parse

import markdown
import solara
import solara.lab
import solara.server.settings

from medlead.model.labels import label
from medlead.workshop.adapter import (
    PRESET_LABELS,
    STRATEGY_LABELS,
    WORKSHOP_PRESETS,
    Controls,
    preset_description,
    slider_specs,
    slider_values,
    try_params,
)
from medlead.workshop.explain import explain
from medlead.workshop.glossary import GLOSSARY
from medlead.workshop.handout import handout_pdf, run_handout_pdf
from medlead.workshop.keys import Keys
from medlead.workshop.picture import PROJECTOR, legend_png
from medlead.workshop.run import WorkshopRun, percent, replay
from medlead.workshop.story import Story, caption, prediction_choices

# No "This website runs on Solara" badge: on a projector it covers the bottom-right corner
# (the curves' week axis). SOLARA_THEME_SHOW_BANNER=false says the same from the
# environment; the launchers set it too, in case the page is rendered before this import.
solara.server.settings.theme.show_banner = False

SPEEDS: dict[str, float] = {"slow": 1.0, "medium": 0.35, "fast": 0.1, "fastest": 0.0}

CSS = """
.v-application, .v-application .body-1, .v-application .body-2 { font-size: 18px !important; }
.ml-title { font-size: 30px; font-weight: 700; margin: 0; }
.ml-status { font-size: 24px; font-weight: 600; }
.ml-week { font-size: 30px; font-weight: 800; }
.ml-kpi { border: 2px solid #444 !important; border-radius: 8px; padding: 2px 12px !important;
          min-width: 118px; background: #f7f7f7; }
.ml-kpi-value { font-size: 30px; font-weight: 800; line-height: 1.15; }
.ml-kpi-label { font-size: 15px; color: #222; line-height: 1.2; }
.ml-btn.v-btn { font-size: 18px !important; height: 48px !important; text-transform: none; }
.ml-help { font-size: 14px; color: #333; margin: -6px 0 8px 0; }
.ml-pending { background: #fff3cd; border: 2px solid #8a6d00; padding: 6px 10px;
              border-radius: 6px; }
.ml-verdict { font-size: 26px; font-weight: 800; line-height: 1.25; }
.ml-compare-text { font-size: 20px; font-weight: 500; }
.ml-explain h3 { font-size: 22px; margin-top: 6px; }
.ml-explain p, .ml-explain li { font-size: 18px; }
.v-slider__thumb-label { font-size: 14px; }
.v-btn-toggle .v-btn.v-btn--active { background-color: #0b4f9c !important;
    color: #ffffff !important; font-weight: 700; }
.v-btn-toggle .v-btn.v-btn--active .v-btn__content { color: #ffffff !important; }
.ml-side-heading { font-size: 22px; font-weight: 700; margin-top: 10px; display: block; }
.v-btn.ml-strategy-active { background-color: #0b4f9c !important; color: #ffffff !important;
    font-weight: 700; }
.ml-glossary { font-size: 18px; line-height: 1.3; margin: 0; }
.ml-glossary dt { font-weight: 700; }
.ml-glossary dd { margin: 0 0 5px 0; }
.ml-proj { padding: 6px 10px !important; }
.ml-proj .ml-week { font-size: 30px; white-space: nowrap; }
.ml-proj .ml-btn.v-btn { font-size: 20px !important; height: 46px !important; }
.ml-proj-status { font-size: 20px !important; font-weight: 600; line-height: 1.2; }
.ml-proj-kpis { display: grid; grid-template-columns: 1fr 1fr; gap: 8px; }
.ml-proj-kpis .ml-kpi { min-width: 0; }
.ml-proj-kpis .ml-kpi-value { font-size: 40px; }
.ml-proj-kpis .ml-kpi-label { font-size: 18px; }
.ml-proj-glossary { width: 870px; column-count: 2; column-gap: 24px; }
.ml-proj-glossary dd { break-before: avoid; }
.ml-proj-glossary dt { break-after: avoid; }
.ml-proj .ml-verdict { font-size: 22px; line-height: 1.2; }
.ml-seeds { font-size: 20px; font-weight: 500; }
.ml-proj .ml-seeds { font-size: 18px; line-height: 1.2; }
.ml-lanes .v-btn { font-size: 18px !important; height: 40px !important; text-transform: none; }
.ml-story-caption { font-size: 20px; line-height: 1.25; font-weight: 500; }
.ml-predictions .v-btn { font-size: 18px !important; height: 40px !important;
    text-transform: none; }
"""

#: Lanes' picture classes: one per lane, so that tests find "the second hospital".
LANE_ACTIVE = ["ml-lane-active"]


@solara.component
def Kpi(label: str, value: str, classes: str = "", note: str = ""):
    """One big headline number (``note``: an optional second line under the label)."""
    with solara.Column(gap="0px", classes=["ml-kpi", classes]):
        solara.Text(value, classes=["ml-kpi-value"])
        solara.Text(label, classes=["ml-kpi-label"])
        if note:
            solara.Text(note, classes=["ml-kpi-label", "ml-kpi-note"])


@solara.component
def Md(text: str):
    """Markdown rendered on the server (solara.Markdown would fetch KaTeX from a CDN)."""
    html = solara.use_memo(lambda: markdown.markdown(text), [text])
    solara.HTML(tag="div", unsafe_innerHTML=html)


@solara.component
def Glossary(classes: str = ""):
    """What the model's words mean, in plain language (``medlead.workshop.glossary``)."""
    items = "".join(
        f"<dt>{html.escape(term)}</dt><dd>{html.escape(meaning)}</dd>"
        for term, meaning in GLOSSARY.items()
    )
    solara.HTML(tag="dl", unsafe_innerHTML=items, classes=["ml-glossary", classes])


@solara.component
def Download(data, filename: str, label: str, cls: str):
    """A download button (FileDownload takes no CSS classes, so wrap it)."""
    with solara.Column(gap="0px", classes=[cls]):
        solara.FileDownload(data, filename=filename, label=label)


@solara.component
def Headline(run: WorkshopRun, lane: int, tick: int, compact: bool = False):
    """The week's headline numbers of one lane (``tick`` makes it redraw each week)."""
    h = run.headline(lane)
    gap = h["engagement_gap"]
    practising, faithful = h["practising_share"], h["faithful_practising_share"]
    # Name the faithful share where part of the practice is a tick-box (as the sentence
    # of compare mode does).
    tick_box = practising - faithful >= 0.01 and percent(faithful) != percent(practising)
    with solara.Row(gap="10px", style={"flex-wrap": "wrap"}):
        Kpi(kpi_label("committed_share"), percent(h["committed_share"]), "ml-kpi-committed")
        Kpi(kpi_label("compliant_share"), percent(h["compliant_share"]), "ml-kpi-compliant")
        Kpi(
            kpi_label("practising_share"),
            percent(practising),
            "ml-kpi-practising",
            note=f"{percent(faithful)} faithfully" if tick_box else "",
        )
        Kpi(
            kpi_label("microsystems_improved_share"),
            percent(h["microsystems_improved_share"]),
            "ml-kpi-ms",
        )
        if not compact:
            Kpi(
                kpi_label("engagement_gap"),
                "—" if gap != gap else f"{gap:+.2f}",
                "ml-kpi-gap",
            )
            Kpi(kpi_label("champions"), f"{h['champions']:.0f}", "ml-kpi-champions")
            # "Engagements" (the label) in the room's words: persuaders with a colleague.
            Kpi("conversations under way", f"{h['engagements']:.0f}", "ml-kpi-talks")


@solara.component
def Levers(pending: Controls, set_pending, disabled: bool):
    """The key levers of Params as sliders, with each field's doc as help."""
    try:
        from medlead.model import Params

        base = Params.preset(pending.preset)
    except Exception:  # noqa: BLE001 - presets are fixed; never fail the page
        return solara.Error("This hospital preset cannot be loaded.")
    values = slider_values(base)
    values.update(dict(pending.sliders))
    for spec in slider_specs():

        def on_value(v, name=spec.name):
            set_pending(pending.with_slider(name, v))

        with (
            solara.Tooltip(spec.help),
            solara.Column(gap="0px", classes=[f"ml-slider-{spec.name}"]),
        ):
            solara.SliderFloat(
                f"{spec.label}: {_fmt(values[spec.name])}",
                value=values[spec.name],
                min=spec.min,
                max=spec.max,
                step=spec.step,
                on_value=on_value,
                thumb_label=True,
                disabled=disabled,
            )
        solara.Text(spec.help.split(" Unit:")[0], classes=["ml-help"])


@solara.component
def Toolbar(run: WorkshopRun, tick, playing, speed, projector, actions: dict, changed: bool):
    """Week, status, strategy, compare, and the step/play/reset/withdraw buttons."""
    tick.value  # noqa: B018 - subscribe: redraw every week
    with solara.Row(gap="14px", style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.Text(f"Week {run.week} of {run.params.weeks}", classes=["ml-week"])
        solara.Text(_status(run), classes=["ml-status"])
    with solara.Row(gap="12px", style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.Text("Strategy:", classes=["ml-status"])
        # Plain buttons, not a toggle group: clicking the chosen strategy restarts it too
        # (a toggle group ignores a click on its active button).
        with solara.Row(gap="4px", style={"flex-wrap": "wrap"}, classes=["ml-strategies"]):
            for s in STRATEGY_LABELS:
                active = s == run.params.strategy
                solara.Button(
                    STRATEGY_LABELS[s],
                    on_click=lambda s=s: actions["strategy"](s),
                    classes=["ml-btn", f"ml-strategy-{s}"]
                    + (["ml-strategy-active"] if active else []),
                    outlined=not active,
                )
        with solara.Row(gap="8px", style={"align-items": "center", "flex-wrap": "nowrap"}):
            solara.Text("Compare with:", classes=["ml-status"])
            choices = compare_choices(run)
            solara.Select(
                "a strategy or a hospital (same seed)",
                value=next((k for k, v in choices.items() if v == run.compare), NOTHING),
                values=list(choices),
                on_value=lambda label: actions["compare"](choices.get(label)),
                classes=["ml-compare"],
                style={"min-width": "300px", "max-width": "380px"},
            )
    with solara.Row(gap="10px", style={"align-items": "center", "flex-wrap": "wrap"}):
        _step_and_play(run, playing, actions, "Step one week")
        solara.Button(
            "Reset" + (" (apply changes)" if changed else ""),
            on_click=actions["reset"],
            icon_name="mdi-restart",
            classes=["ml-btn", "ml-reset"],
            color="warning" if changed else None,
        )
        solara.ToggleButtonsSingle(
            value=speed.value, values=list(SPEEDS), on_value=speed.set, classes=["ml-speed"]
        )
        solara.Button(
            "Withdraw the intervention now",
            on_click=actions["withdraw"],
            disabled=not run.can_withdraw,
            icon_name="mdi-hand-back-left",
            classes=["ml-btn", "ml-withdraw"],
            color="error",
        )
        solara.Button(
            "Projector mode",
            on_click=lambda: projector.set(True),
            icon_name="mdi-projector-screen",
            classes=["ml-btn", "ml-projector"],
            text=True,
        )
        solara.Button(
            "Story mode",
            on_click=actions["story"],
            icon_name="mdi-book-play",
            classes=["ml-btn", "ml-story"],
            text=True,
        )


def _step_and_play(run: WorkshopRun, playing, actions: dict, step_label: str) -> None:
    """The Step and Play/Pause buttons, in the row being built (toolbar and projector)."""
    solara.Button(
        step_label,
        on_click=actions["step"],
        disabled=run.at_end or playing.value,
        icon_name="mdi-step-forward",
        classes=["ml-btn", "ml-step"],
        color="primary",
    )
    solara.Button(
        "Pause" if playing.value else "Play",
        on_click=actions["play"],
        disabled=run.at_end and not playing.value,
        icon_name="mdi-pause" if playing.value else "mdi-play",
        classes=["ml-btn", "ml-pause" if playing.value else "ml-play"],
        color="primary",
    )


@solara.component
def ProjectorView(run: WorkshopRun, tick, playing, projector, words, actions: dict, story, shown):
    """One 1280x720 screen: the hospital (drawn at its display size), four big numbers,
    Step / Play / Withdraw / Reset and small curves beside the picture. Keys work here as
    everywhere (``medlead.workshop.keys``).

    Compare mode toggles between the two hospitals (one large picture, not two small
    ones) and puts the verdict, the other seeds' answer and both practising curves
    beside it. Story mode (``story.value`` a :class:`Story`) replaces Step and Play by
    Next and the numbers by the stop's caption.
    """
    t = tick.value
    compare = len(run.lanes) > 1
    lane = min(shown.value, len(run.lanes) - 1)

    def render():
        t0 = time.perf_counter()
        pngs = run.projector_pngs(lane, compact=story.value is not None)
        run.last_redraw_ms = (time.perf_counter() - t0) * 1000.0
        return pngs

    hospital, curves = solara.use_memo(render, [t, id(run.lanes), lane, story.value is None])
    h = run.headline(lane)
    telling: Story | None = story.value
    with solara.Row(
        gap="10px", style={"align-items": "center", "flex-wrap": "nowrap"}, classes=["ml-proj-bar"]
    ):
        solara.Text(f"Week {run.week} of {run.params.weeks}", classes=["ml-week"])
        if telling is None:
            _step_and_play(run, playing, actions, "Step")
        else:
            solara.Button(
                "Start again" if telling.finished else ("Playing..." if playing.value else "Next"),
                on_click=actions["next"],
                disabled=playing.value or (telling.stop == "start" and run.prediction is None),
                icon_name="mdi-restart" if telling.finished else "mdi-skip-next",
                classes=["ml-btn", "ml-next"],
                color="primary",
            )
        solara.Button(
            "Withdraw",
            on_click=actions["withdraw"],
            disabled=not run.can_withdraw,
            icon_name="mdi-hand-back-left",
            classes=["ml-btn", "ml-withdraw"],
            color="error",
        )
        solara.Button(
            "Reset",
            on_click=actions["reset"],
            icon_name="mdi-restart",
            classes=["ml-btn", "ml-reset"],
        )
        solara.Button(
            "Picture" if words.value else "Words",
            on_click=lambda: words.set(not words.value),
            icon_name="mdi-image" if words.value else "mdi-book-open-variant",
            classes=["ml-btn", "ml-words"],
            text=True,
        )
        solara.Button(
            "Exit",
            on_click=actions["exit"],
            icon_name="mdi-fullscreen-exit",
            classes=["ml-btn", "ml-projector-exit"],
            text=True,
        )
    with solara.Row(gap="12px", style={"align-items": "flex-start", "flex-wrap": "nowrap"}):
        if words.value:
            Glossary("ml-proj-glossary")
        else:
            solara.Image(
                hospital,
                width=f"{PROJECTOR.width_px}px",
                classes=[f"ml-hospital-{lane}", "ml-proj-hospital", f"ml-proj-lane-{lane}"],
            )
        with solara.Column(gap="8px", classes=["ml-proj-side"], style={"width": "370px"}):
            if compare:
                with solara.Row(gap="6px", classes=["ml-lanes"]):
                    for i, ln in enumerate(run.lanes):
                        solara.Button(
                            ln.short,
                            on_click=lambda i=i: shown.set(i),
                            classes=[f"ml-lane-{i}"] + (LANE_ACTIVE if i == lane else []),
                            color="primary" if i == lane else None,
                            outlined=i != lane,
                        )
            if telling is not None:
                StoryPanel(run, telling, actions)
            elif compare:
                solara.Text(_status(run), classes=["ml-status", "ml-proj-status"])
                solara.Text(run.verdict(), classes=["ml-verdict"])
                SeedsLine(run)
            else:
                solara.Text(_status(run), classes=["ml-status", "ml-proj-status"])
                with solara.Div(classes=["ml-proj-kpis"]):
                    for key, cls in PROJECTOR_KPIS:
                        Kpi(kpi_label(key), percent(h[key]), cls)
            solara.Image(curves, width="370px", classes=["ml-curves", "ml-proj-curves"])


@solara.component
def StoryPanel(run: WorkshopRun, telling: Story, actions: dict):
    """The story's caption at its stop; at the start, the room's prediction buttons."""
    solara.Text(caption(run, telling), classes=["ml-story-caption"])
    if telling.stop == "start":
        with solara.Row(gap="6px", style={"flex-wrap": "wrap"}, classes=["ml-predictions"]):
            for key, words in prediction_choices(run).items():
                chosen = run.prediction == key
                solara.Button(
                    words,
                    on_click=lambda key=key: actions["predict"](key),
                    classes=[f"ml-predict-{key}"] + (LANE_ACTIVE if chosen else []),
                    color="primary" if chosen else None,
                    outlined=not chosen,
                )


@solara.component
def Frame(run: WorkshopRun, tick):
    """The week's pictures and headline numbers (the only part redrawn while playing)."""
    t = tick.value
    _, set_redraw = solara.use_state(0)  # the curves' measures were changed

    def render():
        t0 = time.perf_counter()
        pngs = run.hospital_pngs()
        curves = run.curves_png()
        run.last_redraw_ms = (time.perf_counter() - t0) * 1000.0
        return pngs, curves

    hospital_pngs, curves_png = solara.use_memo(render, [t, id(run.lanes), id(run.curves)])
    legend = solara.use_memo(
        lambda: legend_png(run.params.committed_cutoff) if len(run.lanes) > 1 else None,
        [id(run.lanes)],
    )
    if len(run.lanes) > 1:
        solara.Text(run.verdict(), classes=["ml-verdict"])
        solara.Text(run.comparison_text(), classes=["ml-compare-text"])
        SeedsLine(run)
        # Stacked, each the column's full width (side by side, each hospital's text was
        # a third of its size on a projector).
        for i, ln in enumerate(run.lanes):
            with solara.Column(gap="4px"):
                with solara.Row(gap="12px", style={"align-items": "center"}):
                    solara.Text(ln.name, classes=["ml-status", f"ml-lane-title-{i}"])
                    Headline(run, i, t, compact=True)
                solara.Image(hospital_pngs[i], width="100%", classes=[f"ml-hospital-{i}"])
        solara.Image(legend, width="100%", classes=["ml-legend"])
    else:
        Headline(run, 0, t)
        solara.Image(hospital_pngs[0], width="100%", classes=["ml-hospital-0"])
    solara.Image(curves_png, width="100%", classes=["ml-curves"])
    if len(run.lanes) > 1:
        with solara.Div(classes=["ml-all-measures"]):  # Checkbox takes no CSS classes
            solara.Checkbox(
                label="Show every measure (committed, compliant, ...), not only practising",
                value=run.all_measures,
                on_value=lambda on: (run.show_all_measures(on), set_redraw(lambda n: n + 1)),
            )


@solara.component
def SeedsLine(run: WorkshopRun):
    """Does it hold on other seeds? Compare mode's lanes on seeds 1-10, computed in a
    background thread (about a second through the batched engine) so the page never
    waits for it; cached per pair of parameter sets.
    """
    task = solara.lab.use_task(
        lambda: run.seeds_question(), dependencies=[id(run.lanes)], prefer_threaded=True
    )
    if task.finished and task.value is not None:
        solara.Text(task.value.sentence(), classes=["ml-seeds"])
    elif task.error:
        solara.Text("Other seeds: could not be computed.", classes=["ml-seeds"])
    else:
        solara.Text("Does it hold on other seeds? Running 10 hospitals...", classes=["ml-seeds"])


@solara.component
def SessionCode(run: WorkshopRun, tick, on_replay):
    """The session code (updated every week) and a box to replay one."""
    tick.value  # noqa: B018 - subscribe
    code_input, set_code_input = solara.use_state("")
    solara.Text("Session code", classes=["ml-side-heading"])
    solara.Text("Write this down to replay the room's choices exactly.", classes=["ml-help"])
    solara.Text(run.session_code(), classes=["ml-session-code"])
    solara.InputText(
        "Replay a session code",
        value=code_input,
        on_value=set_code_input,
        classes=["ml-code-input"],
    )
    solara.Button("Replay", on_click=lambda: on_replay(code_input), classes=["ml-replay"])


@solara.component
def Footer(run: WorkshopRun, tick):
    """Downloads and the timing/fingerprint line."""
    tick.value  # noqa: B018 - subscribe
    with solara.Row(gap="10px", style={"flex-wrap": "wrap", "align-items": "center"}):
        Download(
            lambda: run.lanes[0].picture.export_png(),
            filename=f"medlead-hospital-week{run.week}.png",
            label="Download the picture (PNG)",
            cls="ml-export-png",
        )
        Download(
            lambda: run.curves.export_png(),
            filename=f"medlead-curves-week{run.week}.png",
            label="Download the curves (PNG)",
            cls="ml-export-curves",
        )
        Download(
            run.compare_png,
            filename=f"medlead-slide-{run.session_code()}.png",
            label="Slide: "
            + ("the two hospitals side by side" if len(run.lanes) > 1 else "the hospital")
            + " with the legend (PNG, high resolution)",
            cls="ml-export-slide",
        )
        Download(
            lambda: run_handout_pdf(run),
            filename=f"medlead-our-run-{run.session_code()}.pdf",
            label="Handout of this run (PDF)",
            cls="ml-export-run-handout",
        )
        Download(
            lambda: handout_pdf(run.controls.preset, seed=run.controls.seed),
            filename=f"medlead-handout-{run.controls.preset}.pdf",
            label="Handout for this hospital (PDF)",
            cls="ml-export-handout",
        )
        Download(
            run.csv_bytes,
            filename=f"medlead-run-{run.session_code()}.csv",
            label="Download the data (CSV)",
            cls="ml-export-csv",
        )
    # One text, so that the code and the fingerprint always belong to the same week.
    solara.Text(
        f"Step {run.last_step_ms:.0f} ms + redraw {run.last_redraw_ms:.0f} ms · "
        f"seed {run.controls.seed} · session code {run.session_code()} · "
        f"curves fingerprint {run.fingerprint()}",
        classes=["ml-help", "ml-footer"],
    )


@solara.component
def Page():
    """The workshop page (re-rendered on choices; stepping redraws only ``tick`` readers)."""
    router = solara.use_router()
    run: WorkshopRun = solara.use_memo(lambda: first_run(router.search), [])
    tick = solara.use_reactive(0)
    pending, set_pending = solara.use_state(run.controls)
    playing = solara.use_reactive(False)
    speed = solara.use_reactive("medium")
    problems, set_problems = solara.use_state([])
    # The first value once: use_reactive resets a reactive whose argument changes.
    first_story = solara.use_memo(lambda: Story() if wants_story(router.search) else None, [])
    story = solara.use_reactive(first_story)
    projector = solara.use_reactive(wants_projector(router.search) or story.value is not None)
    words = solara.use_reactive(False)
    shown = solara.use_reactive(0)  # compare mode in projector mode: the lane shown
    # Choices (preset, strategy, seed, reset, replay) redraw the whole page; weeks only
    # redraw the components that read ``tick``.
    _, set_choices = solara.use_state(0)

    def bump() -> None:
        tick.set(tick.value + 1)

    def chosen() -> None:
        set_choices(lambda n: n + 1)
        bump()

    def restart(controls: Controls, compare: str | None = run.compare) -> None:
        playing.set(False)
        found = run.reset(controls, compare)
        set_problems(found)
        if not found:
            set_pending(run.controls)
            if story.value is not None:
                story.set(Story())  # a new run, a new story and a new prediction
        chosen()

    def do_step() -> None:
        if run.at_end:
            playing.set(False)
            return
        t0 = time.perf_counter()
        run.step()
        run.last_step_ms = (time.perf_counter() - t0) * 1000.0
        bump()

    def toggle_play() -> None:
        playing.set(not playing.value and not run.at_end)

    async def play_loop():
        while playing.value:
            do_step()
            telling = story.value
            if telling is not None:
                stop = telling.reached(run)
                if stop is not None or run.at_end:
                    telling.arrive(stop or ("after" if run.params.strategy != "none" else "end"))
                    playing.set(False)
                    story.set(dataclasses.replace(telling))  # redraw the caption
                    break
            if run.at_end:
                playing.set(False)
                break
            # A story plays on at "fast" whatever the speed: its stops are the pauses.
            pace = SPEEDS["fast" if story.value is not None else speed.value]
            await asyncio.sleep(max(0.02, pace))

    solara.lab.use_task(play_loop, dependencies=[playing.value], prefer_threaded=False)

    def withdraw() -> None:
        run.withdraw()
        bump()

    def load_code(code: str) -> None:
        try:
            new = replay(code)
        except ValueError as exc:
            set_problems([str(exc)])
            return
        playing.set(False)
        run.reset(new.controls, new.compare)
        if new.withdrawn_at is not None:
            run.step(new.withdrawn_at - run.week)
            run.withdraw()
        run.step(new.week - run.week)
        set_pending(run.controls)
        set_problems([])
        chosen()

    def next_stop() -> None:
        """Story mode's Next: play on to the next stop (or start the story again)."""
        telling = story.value
        if telling is None or playing.value:
            return
        if telling.finished:
            restart(run.controls, run.compare)
            return
        playing.set(True)

    def predict(key: str) -> None:
        run.prediction = key
        story.set(dataclasses.replace(story.value))

    def start_story() -> None:
        story.set(Story())
        projector.set(True)
        restart(run.controls, run.compare)

    def leave_projector() -> None:
        playing.set(False)
        story.set(None)
        projector.set(False)

    actions = {
        "step": do_step,
        "play": toggle_play,
        "next": next_stop,
        "predict": predict,
        "story": start_story,
        "exit": leave_projector,
        "reset": lambda: restart(pending),
        "withdraw": withdraw,
        "strategy": lambda s: restart(
            Controls(pending.preset, s, pending.sliders, pending.seed), run.compare
        ),
        "compare": lambda choice: restart(run.controls, choice),
    }

    def on_key(action: str) -> None:
        if story.value is not None and action in ("play", "step"):
            next_stop()  # a clicker's one button walks the story
        elif action == "play":
            toggle_play()
        elif action == "step" and not playing.value:
            do_step()
        elif action == "withdraw" and run.can_withdraw:
            withdraw()
        elif action == "reset":
            actions["reset"]()

    def move_slider(controls: Controls) -> None:
        set_pending(controls)
        set_problems([])  # a message about the old values would be stale

    _, pending_problems = try_params(pending)
    changed = pending != run.controls
    # A problem found on Reset is the sidebar's problem again: say it once, beside the
    # sliders (on the main screen only when the sidebar is hidden).
    shown_problems = [p for p in problems if projector.value or p not in pending_problems]

    solara.Style(CSS)
    solara.Title("medlead workshop")
    Keys(on_key)

    if projector.value:
        with solara.Column(gap="6px", classes=["ml-proj"]):
            for p in shown_problems:
                solara.Error(p, classes=["ml-problem"])
            ProjectorView(run, tick, playing, projector, words, actions, story, shown)
        return

    with solara.Sidebar():
        solara.Text("The hospital", classes=["ml-side-heading"])
        solara.Select(
            "Hospital",
            value=PRESET_LABELS[run.controls.preset],
            values=[PRESET_LABELS[p] for p in WORKSHOP_PRESETS],
            on_value=lambda label: restart(
                Controls(
                    preset={v: k for k, v in PRESET_LABELS.items()}[label],
                    seed=run.controls.seed,
                )
            ),
            classes=["ml-preset"],
        )
        solara.Text(preset_description(run.controls.preset), classes=["ml-help"])
        with solara.Row(gap="8px", style={"align-items": "center"}):
            solara.InputInt(
                "Seed (same seed = same hospital)",
                value=run.controls.seed,
                on_value=lambda s: restart(
                    Controls(pending.preset, pending.strategy, pending.sliders, max(0, int(s)))
                ),
                classes=["ml-seed"],
            )
            solara.Button(
                "New seed",
                on_click=lambda: restart(
                    Controls(
                        pending.preset,
                        pending.strategy,
                        pending.sliders,
                        random.randint(1, 9999),
                    )
                ),
                classes=["ml-new-seed"],
            )
        solara.Text("Levers", classes=["ml-side-heading"])
        solara.Text(
            "Slider changes take effect when you press Reset. Hover for the source.",
            classes=["ml-help"],
        )
        if changed:
            with solara.Column(classes=["ml-pending"]):
                n = changes_waiting(pending, run.controls)
                what = "1 change is" if n == 1 else f"{n} changes are"
                solara.Text(f"{what} waiting: press Reset to apply them.")
        for p in pending_problems:
            solara.Error(p, classes=["ml-problem"])
        solara.Button(
            "Reset sliders to the hospital's values",
            on_click=lambda: move_slider(
                Controls(run.controls.preset, run.controls.strategy, (), run.controls.seed)
            ),
            text=True,
        )
        Levers(pending, move_slider, disabled=False)
        SessionCode(run, tick, load_code)

    with solara.Column(gap="10px", style={"padding": "4px 12px"}):
        Toolbar(run, tick, playing, speed, projector, actions, changed)
        for p in shown_problems:
            solara.Error(p, classes=["ml-problem"])
        Frame(run, tick)
        with solara.Details("What the words mean (glossary)", expand=False):
            Glossary()
        with solara.Column(classes=["ml-explain"]):
            Md(explain(run.controls.preset, run.params.strategy))
        Footer(run, tick)


NOTHING = "(nothing)"
#: Compare mode's second hospital, as the drop-down names it.
OTHER_HOSPITAL = "Hospital: {}"

#: Projector mode's four big numbers: reporter and CSS class.
PROJECTOR_KPIS: tuple[tuple[str, str], ...] = (
    ("committed_share", "ml-kpi-committed"),
    ("compliant_share", "ml-kpi-compliant"),
    ("practising_share", "ml-kpi-practising"),
    ("microsystems_improved_share", "ml-kpi-ms"),
)


def kpi_label(key: str) -> str:
    """A big number's caption: the output's title from :mod:`medlead.model.labels`."""
    return label(key).title.lower()


def compare_choices(run: WorkshopRun) -> dict[str, str | None]:
    """The *Compare with* drop-down: label -> a strategy, another hospital, or None."""
    out: dict[str, str | None] = {NOTHING: None}
    out |= {STRATEGY_LABELS[s]: s for s in STRATEGY_LABELS if s != run.params.strategy}
    out |= {
        OTHER_HOSPITAL.format(PRESET_LABELS[p]): p
        for p in WORKSHOP_PRESETS
        if p != run.controls.preset
    }
    return out


def wants_story(search: str | None) -> bool:
    """Whether the address asks for story mode (``?story=1``; it implies projector mode)."""
    values = urllib.parse.parse_qs(search or "", keep_blank_values=True).get("story")
    return bool(values) and values[-1].lower() not in ("0", "false", "no", "off")


def wants_projector(search: str | None) -> bool:
    """Whether the address asks for projector mode (``?projector=1``, ``?projector``)."""
    values = urllib.parse.parse_qs(search or "", keep_blank_values=True).get("projector")
    return bool(values) and values[-1].lower() not in ("0", "false", "no", "off")


def first_run(search: str | None) -> WorkshopRun:
    """The page's first run: ``?code=<session code>`` replays one (a bookmark per step of
    the session plan), otherwise the typical Trust on seed 1. A bad code is ignored.
    """
    codes = urllib.parse.parse_qs(search or "").get("code")
    if codes:
        try:
            return replay(codes[-1])
        except ValueError:
            pass
    return WorkshopRun(Controls(seed=1))


def changes_waiting(pending: Controls, current: Controls) -> int:
    """How many sliders differ between the sidebar and the running model."""
    a, b = dict(pending.sliders), dict(current.sliders)
    return sum(a.get(name) != b.get(name) for name in a.keys() | b.keys())


def _fmt(x: float) -> str:
    return f"{x:.3g}" if abs(x) < 1000 else f"{x:,.0f}"


def _status(run: WorkshopRun) -> str:
    from medlead.workshop.picture import status_text

    base = status_text(run.model, champions=len(run.lanes) == 1)
    if len(run.lanes) > 1:
        base = " vs ".join(ln.short for ln in run.lanes) + " · " + base
    if run.withdrawn_at is not None:
        base += f" (withdrawn by hand at week {run.withdrawn_at})"
    if run.at_end:
        base += f" · finished at week {run.week}"
    return base


__all__ = ["Page"]
