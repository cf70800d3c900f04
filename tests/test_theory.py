"""Theory checks on the diffusion core (asserted): the threshold rule of ``practice``.

* Granovetter (1978): on a complete graph, a threshold cascade stops at the smallest
  fixed point of ``r = F(r)``, F the threshold distribution's CDF.
* Centola & Macy (2007): complex contagion (two or more adopting neighbours) spreads
  further on a clustered network than on a degree-preserving rewired one; simple
  contagion (one neighbour) spreads faster on the rewired one.
"""

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from scipy.stats import norm

from medlead.model import mechanisms as mech


def granovetter_fixed_point(mu: float, sd: float) -> float:
    r = norm.cdf(0.0, mu, sd)
    for _ in range(10_000):
        nxt = norm.cdf(r, mu, sd)
        if abs(nxt - r) < 1e-12:
            break
        r = nxt
    return float(r)


@pytest.mark.parametrize("sd", [0.1, 0.2])
def test_complete_graph_cascade_reaches_granovetter_fixed_point(sd):
    n, mu = 20_000, 0.25
    rng = np.random.default_rng(7)
    theta = rng.normal(mu, sd, n)
    zeros = np.zeros(n)
    practising = theta <= 0  # instigators act whatever others do
    for _ in range(500):
        # everyone sees everyone else: the share of the others practising
        share = (practising.sum() - practising) / (n - 1)
        nxt = mech.practice(zeros, zeros, share, zeros, theta, 1.0, 0.0) | (theta <= 0)
        if np.array_equal(nxt, practising):
            break
        practising = nxt
    expected = granovetter_fixed_point(mu, sd)
    assert practising.mean() == pytest.approx(expected, abs=0.02)


def _spread(adj: sp.csr_array, seeds: np.ndarray, k_needed: int, weeks: int) -> np.ndarray:
    """Share adopting each week under the core's threshold rule with count threshold k."""
    deg = np.asarray(adj.sum(axis=1)).ravel()
    theta = (k_needed - 1e-9) / deg
    zeros = np.zeros(adj.shape[0])
    adopted = np.zeros(adj.shape[0], bool)
    adopted[seeds] = True
    curve = [adopted.mean()]
    for _ in range(weeks):
        share = (adj @ adopted.astype(float)) / deg
        adopted = adopted | mech.practice(zeros, zeros, share, zeros, theta, 1.0, 0.0)
        curve.append(adopted.mean())
    return np.array(curve)


def _networks(n=1000, k=6, seed=3):
    lattice = nx.watts_strogatz_graph(n, k, 0.0, seed=seed)
    rewired = lattice.copy()
    nx.double_edge_swap(rewired, nswap=20 * n, max_tries=400 * n, seed=seed)
    to_csr = lambda g: sp.csr_array(nx.to_scipy_sparse_array(g, nodelist=range(n), dtype=float))  # noqa: E731
    return to_csr(lattice), to_csr(rewired)


def test_complex_contagion_spreads_further_on_clustered_networks():
    lattice, rewired = _networks()
    assert np.array_equal(lattice.sum(axis=1), rewired.sum(axis=1))  # degrees preserved
    seeds = np.arange(4)  # a cluster of neighbours on the ring
    clustered = _spread(lattice, seeds, k_needed=2, weeks=300)
    random = _spread(rewired, seeds, k_needed=2, weeks=300)
    assert clustered[-1] > 0.95
    assert random[-1] < 0.05


def test_simple_contagion_spreads_faster_on_rewired_networks():
    lattice, rewired = _networks()
    seeds = np.arange(4)
    clustered = _spread(lattice, seeds, k_needed=1, weeks=40)
    random = _spread(rewired, seeds, k_needed=1, weeks=40)
    week_half = lambda c: int(np.argmax(c >= 0.5)) if (c >= 0.5).any() else 10**9  # noqa: E731
    assert week_half(random) < week_half(clustered)
    assert random[10] > clustered[10]


def test_peer_signal_on_a_complete_graph_is_the_share_of_others_practising():
    """With equal weights and full fidelity the model's peer signal is Granovetter's r."""
    n = 50
    w = sp.csr_array(np.ones((n, n)) - np.eye(n))
    practising = np.arange(n) < 20
    signal = mech.peer_practice_signal(w, w @ np.ones(n), practising, np.ones(n))
    expected = (practising.sum() - practising) / (n - 1)
    assert np.allclose(signal, expected, rtol=0, atol=1e-15)
