"""Deterministic drawing positions that show the Trust's structure, in linear time.

Microsystems are small discs (a sunflower pattern of their staff), laid out in a grid
per directorate; directorates sit side by side; general managers above their
directorate; the executive team above everyone. No force-directed layout: that took
minutes for 10,000 nodes (STACK.md) and would hide the structure anyway.
"""

from __future__ import annotations

import numpy as np

from medlead.model.organisation import Organisation, Role

GOLDEN_ANGLE = np.pi * (3.0 - np.sqrt(5.0))


def hospital_layout(org: Organisation) -> np.ndarray:
    """(n, 2) positions: x grows across directorates, y grows upward to the executive."""
    n_dir = int(org.ms_directorate.max()) + 1 if org.ms_directorate.size else 1
    per_dir = np.bincount(org.ms_directorate, minlength=n_dir)
    cols = max(1, int(np.ceil(np.sqrt(per_dir.max()))))
    pos = np.zeros((org.n, 2))
    ms = org.microsystem
    in_ms = ms >= 0
    # Microsystem centres.
    m = np.arange(org.n_microsystems)
    d = org.ms_directorate
    k = m - np.concatenate([[0], np.cumsum(per_dir)])[d]
    centre = np.stack([d * (cols + 0.6) + (k % cols), -(k // cols)], axis=1).astype(float)
    # Staff on a sunflower inside a disc of radius 0.42 around the centre.
    idx = np.flatnonzero(in_ms)
    j = idx - org.ms_ptr[ms[idx]]
    size = np.diff(org.ms_ptr)[ms[idx]]
    radius = 0.42 * np.sqrt((j + 0.5) / size)
    angle = j * GOLDEN_ANGLE
    pos[idx] = centre[ms[idx]] + np.stack([radius * np.cos(angle), radius * np.sin(angle)], 1)
    # General managers above their directorate, executives above all.
    gm = np.flatnonzero(org.role == Role.GENERAL_MANAGER)
    pos[gm, 0] = org.directorate[gm] * (cols + 0.6) + (cols - 1) / 2
    pos[gm, 1] = 1.2
    execs = np.flatnonzero(
        np.isin(org.role, [Role.CHIEF_EXECUTIVE, Role.MEDICAL_DIRECTOR, Role.NURSING_DIRECTOR])
    )
    mid = (n_dir * (cols + 0.6) - 0.6 - 1) / 2
    pos[execs, 0] = mid + np.array([0.0, -1.0, 1.0])[: execs.size]
    pos[execs, 1] = 2.4
    return pos
