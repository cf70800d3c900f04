"""The run's random streams, spawned from its root seed (one place for every entry point)."""

from __future__ import annotations

import numpy as np


def seed_streams(rng: int | np.random.SeedSequence | None) -> tuple[int | None, list]:
    """Spawn the run's independent streams from its root seed.

    Returns ``(seed, [organisation, dynamics, mesa])`` SeedSequences. The organisation
    and dynamics draw from separate streams, so two strategies run with the same seed
    get the same hospital (common random numbers).
    """
    if rng is None:
        seed = int(np.random.SeedSequence().entropy % (2**63))
        root = np.random.SeedSequence(seed)
    elif isinstance(rng, np.random.SeedSequence):
        root = rng
        seed = int(rng.entropy) if isinstance(rng.entropy, int) and not rng.spawn_key else None
    else:
        seed = int(rng)
        if seed < 0:
            raise ValueError(f"seed={seed} must be a non-negative integer")
        root = np.random.SeedSequence(seed)
    children = [
        np.random.SeedSequence(root.entropy, spawn_key=root.spawn_key + (i,)) for i in range(3)
    ]
    return seed, children
