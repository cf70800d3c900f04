"""The workshop app (Solara)."""
