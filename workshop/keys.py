"""Keyboard and presentation-clicker keys for the workshop page.

Space = play/pause, Right arrow or Page Down (what most clickers send) = step one week,
W = withdraw, R = reset. A hidden Vue template listens on ``window`` (capture phase) and
calls back into Python; keys typed into a text field, a select or a slider are left
alone. The template is a string (not a ``.vue`` file) so it needs no package data.
"""

from __future__ import annotations

from collections.abc import Callable

import ipyvuetify as v
import solara
import traitlets

TEMPLATE = """<template>
  <span class="ml-keys" style="display: none"></span>
</template>

<script>
// Keyboard and presentation-clicker keys for the whole page: the keydown listener sits
// on window (capture phase) and is removed when the component goes away. Keys typed
// into a text field, a select or a slider are left alone.
module.exports = {
  mounted() {
    this.onKey = (e) => {
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      const t = e.target;
      const tag = t && t.tagName ? t.tagName.toLowerCase() : "";
      if (tag === "input" || tag === "textarea" || tag === "select") return;
      if (t && t.getAttribute && t.getAttribute("role") === "slider") return;
      const key = {
        " ": "play", ArrowRight: "step", PageDown: "step",
        w: "withdraw", W: "withdraw", r: "reset", R: "reset",
      }[e.key];
      if (!key) return;
      e.preventDefault();   // no page scroll, no click on a focused button
      e.stopPropagation();
      if (e.repeat) return;
      this.key(key);
    };
    window.addEventListener("keydown", this.onKey, true);
  },
  destroyed() {
    window.removeEventListener("keydown", this.onKey, true);
  },
};
</script>
"""


class KeysWidget(v.VuetifyTemplate):
    """The hidden element holding the key listener; ``vue_key`` is called from JS."""

    template = traitlets.Unicode(TEMPLATE).tag(sync=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.callback: Callable[[str], None] | None = None

    def vue_key(self, data, buffers=None) -> None:  # noqa: ARG002 - ipyvue's signature
        """Called by the template with an action name (``play``, ``step`` ...)."""
        if self.callback is not None and isinstance(data, str):
            self.callback(data)


@solara.component
def Keys(on_key: Callable[[str], None]):
    """Listen to the keyboard for the whole page and call ``on_key(action)``."""
    el = KeysWidget.element()

    def attach():
        solara.get_widget(el).callback = on_key

    solara.use_effect(attach, None)  # every render: the callback closes over fresh state
    return el


__all__ = ["Keys", "KeysWidget"]
