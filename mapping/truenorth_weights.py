"""TrueNorth crossbar weights for one core: axon duplication, axon types and per-neuron levels.

The hardware. A TrueNorth core has ``A`` axons, each of one type ``type[a]`` in ``0 .. T-1`` (``T = 4``),
a binary crossbar ``X[a, j]`` and, per neuron ``j``, ``T`` signed 9-bit levels ``L[j, g]``; a spike on
axon ``a`` adds ``X[a, j] * L[j, type[a]]`` to neuron ``j``. One axon per source therefore gives neuron
``j`` at most ``T`` distinct non-zero weights, and those levels are shared by every source of a type.

Axon duplication (Esser et al. 2016; Merolla et al. 2014 corelets). Each presynaptic source ``i`` of the
core enters on ``c`` axons ("copies") ``a = i*c + k``, ``k = 0 .. c-1``, the copies of one source having
``c`` different types. Each neuron then chooses, per source, which copies it connects to, and the
effective weight from source ``i`` to neuron ``j`` is the subset sum::

    W_eff[i, j] = sum_{k < c} X[i*c + k, j] * L[j, type[i*c + k]]                                (1)

so a neuron has ``2**c - 1`` non-zero values per source out of its own levels (``c = 4``: 15 values, e.g.
``{d, 2d, 4d, -8d}`` spans ``-8d .. 7d`` in steps of ``d``). With ``c < T`` copies every source takes a
*type set* ``P[i]``, ``c`` of the ``T`` types (its copy ``k`` has the k-th type of the set, sorted), and
reaches the subset sums of ``L[j, P[i]]``; ``c = 1`` is the classic mapping (a source has one type).

Copies cost axons (``c * sources <= axons_per_core``, the partitioner picks ``c``, see
:mod:`mapping.partition`), crossbar points, synaptic events and, for sources that are neurons, fan-out
(one destination axon per copy: splitter relays).

The fit. With ``w[i, j]`` the scaled float weight (``0`` where there is no synapse, which stays
unconnected) the levels, the type sets and the crossbar minimise the squared weight error::

    E = sum_{i, j: w[i, j] != 0}  min_{x in {0, 1}^c} (w[i, j] - x . L[j, P[i]])**2                        (2)

in three steps, each keeping the best solution seen (deterministic for a seed):

1. Disjoint groups: the types split into ``G = T // c`` groups of ``c`` (types ``g*c .. g*c + c - 1``), a
   source belongs to one group, started by k-means of the sources' weight rows (seeded). Given the groups,
   every neuron's ``c`` levels per group are fitted independently (:func:`fit_levels`: residual-greedy
   start, each level the integer minimising ``sum min((r - l)**2, r**2)`` of the residual ``r``; then
   alternating least squares: every weight to its nearest subset sum, the ``c x c`` normal equations
   of the levels, rounded and clipped to the 9-bit range; then +-1 integer steps of single levels while
   the error falls); given the levels, every source moves to its cheapest group; repeat.
2. Type sets (``c = 2, 3``, where ``C(T, c)`` sets outnumber the ``G`` groups: 6 and 4 against 2 and 1):
   from the groups (unused types seeded on the residual) and from a full fit of all ``T`` levels (each
   source then keeping its best ``c`` types), alternate: every source to its cheapest set; every neuron's
   ``T`` levels by least squares over all its sources, rounded and polished (:func:`refine_type_sets`).
3. The crossbar: every synapse connects the copies of its best subset.

Levels are integers in ``[-256, 255]``; their subset sums may reach beyond that range. The error is
relative per neuron because the weights arrive scaled by ``s_j = 255 / max_i |w_ij|``.

Energy. Every connected crossbar point is one synaptic event per spike of its axon, and with ``c = 4``
a weight connects about two copies. An optional price ``lam`` per connected point trades precision for
events::

    E_lam = E + lam * sum_{i, j} |x_ij|,     lam = (bit_cost * 255)**2                                   (3)

The choices minimise (3); the least-squares update of the levels is unchanged (the price does not depend
on ``L``). ``bit_cost = 0`` (the default) minimises the weight error alone.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np


def subset_matrix(copies: int) -> np.ndarray:
    """All ``2**copies`` binary choices of copies, row ``r`` = the bits of ``r`` (row 0: no copy)."""
    return ((np.arange(1 << copies)[:, None] >> np.arange(copies)) & 1).astype(np.float64)


def effective_weights(axon_type: np.ndarray, weights: np.ndarray, crossbar: np.ndarray, copies: int) -> np.ndarray:
    """Equation (1): the weight from every source to every neuron, ``(n_sources, n_neurons)``.

    Parameters
    ----------
    axon_type : int (n_sources * copies,)
    weights : int (n_neurons, n_types)
        Per-neuron levels ``L[j, type]``.
    crossbar : bool (n_sources * copies, n_neurons)
    copies : int
        Axons per source; source ``i`` owns axons ``i*copies .. i*copies + copies - 1``.
    """
    per_axon = crossbar * weights[:, np.asarray(axon_type, np.int64)].T  # X[a, j] * L[j, type[a]]
    n_ax, n_nrn = per_axon.shape
    return per_axon.reshape(n_ax // copies, copies, n_nrn).sum(axis=1)


# ----- per-neuron levels for one group ------------------------------------------------------------------


def _nearest(w: np.ndarray, m: np.ndarray, levels: np.ndarray, bits: np.ndarray, lam: float = 0.0):
    """Best subset of every weight: (choice index (S, N), cost (S, N)); absent synapses: choice 0, cost 0.

    The cost of a choice ``x`` is ``(w - x . L)**2 + lam * |x|`` (``lam``: price of a crossbar point).
    """
    d = _choice_costs(w, levels, bits, lam)
    idx = np.where(m, np.argmin(d, axis=2), 0)
    err = np.where(m, d.min(axis=2), 0.0)  # = d at the argmin (the same float)
    return idx, err


def _choice_costs(w: np.ndarray, levels: np.ndarray, bits: np.ndarray, lam: float) -> np.ndarray:
    """(S, N, 2**c) cost of every choice (see :func:`_nearest`)."""
    book = levels @ bits.T  # (N, 2**c): every neuron's reachable values
    d = w[:, :, None] - book[None]
    np.square(d, out=d)
    if lam:  # adding 0.0 to a square changes nothing
        d += lam * bits.sum(axis=1)[None, None, :]
    return d


def _nearest_cost(w: np.ndarray, m: np.ndarray, levels: np.ndarray, bits: np.ndarray, lam: float = 0.0):
    """The cost part of :func:`_nearest` alone (S, N)."""
    return np.where(m, _choice_costs(w, levels, bits, lam).min(axis=2), 0.0)


def _best_single(r: np.ndarray, m: np.ndarray, lo: int, hi: int, chunk: int = 64) -> np.ndarray:
    """Per column, the integer level ``l`` in ``[lo, hi]`` minimising ``sum_i m * min((r - l)**2, r**2)``.

    Exhaustive over the integers spanned by the residuals (at most 512 for 9-bit levels): the optimal
    single level when each synapse may connect or not; 0 when no level helps.
    """
    vals = r[m]
    n = r.shape[1]
    if vals.size == 0:
        return np.zeros(n)
    cands = np.arange(max(lo, int(np.floor(vals.min()))), min(hi, int(np.ceil(vals.max()))) + 1)
    cands = cands[cands != 0].astype(np.float64)
    r2 = np.where(m, r * r, 0.0)
    best, best_cost = np.zeros(n), r2.sum(axis=0)
    cols = np.arange(n)
    for k in range(0, cands.size, chunk):
        cc = cands[k:k + chunk, None, None]
        cost = np.where(m[None], np.minimum((r[None] - cc) ** 2, r2[None]), 0.0).sum(axis=1)  # (C, N)
        i = np.argmin(cost, axis=0)
        better = cost[i, cols] < best_cost
        best = np.where(better, cands[k + i], best)
        best_cost = np.where(better, cost[i, cols], best_cost)
    return best


def _greedy_start(w: np.ndarray, m: np.ndarray, copies: int, lo: int, hi: int) -> np.ndarray:
    """Residual quantisation: level k is the best single level for what levels 0..k-1 leave unexplained."""
    levels = np.zeros((w.shape[1], copies))
    for k in range(copies):
        resid = w if k == 0 else w - _reached(w, m, levels[:, :k], subset_matrix(k))
        levels[:, k] = _best_single(resid, m, lo, hi)
    return np.clip(np.rint(levels), lo, hi)


def _reached(w, m, levels, bits) -> np.ndarray:
    idx, _ = _nearest(w, m, levels, bits)
    book = levels @ bits.T
    return np.where(m, book[np.arange(w.shape[1])[None, :], idx], 0.0)


def _least_squares(w, m, idx, bits, levels) -> np.ndarray:
    """Levels minimising (2) for fixed choices: per neuron ``(B^T B) L = B^T w`` with ``B`` the chosen bits.

    A tiny proximal term keeps a level nobody uses at its previous value instead of a singular solve.
    """
    copies = bits.shape[1]
    b = bits[idx] * m[:, :, None]  # (S, N, c)
    eps = 1e-6
    gram = np.einsum("snc,snd->ncd", b, b) + eps * np.eye(copies)
    rhs = np.einsum("snc,sn->nc", b, np.where(m, w, 0.0)) + eps * levels
    return np.linalg.solve(gram, rhs[:, :, None])[:, :, 0]


def fit_levels(w: np.ndarray, m: np.ndarray, copies: int, lo: int, hi: int, lam: float = 0.0, iters: int = 12):
    """Integer levels of every neuron for the sources of one group, minimising (2).

    Parameters
    ----------
    w : float (S, N)
        Scaled weights from the group's S sources to the core's N neurons.
    m : bool (S, N)
        Which synapses exist (absent ones stay unconnected and do not count).
    copies : int
        Levels per neuron (= copies per source).
    lo, hi : int
        Range of one level (9-bit signed: -256, 255).
    lam : float
        Price of one connected crossbar point in squared weight units (see (3) in the module docstring).

    Returns
    -------
    levels int64 (N, copies), choice int64 (S, N) (row of :func:`subset_matrix`), cost float (N,)
    """
    bits = subset_matrix(copies)
    levels = _greedy_start(w, m, copies, lo, hi)
    idx, err = _nearest(w, m, levels, bits, lam)
    best_err, best_lv, best_idx = err.sum(axis=0), levels, idx
    for _ in range(iters):
        levels = np.clip(np.rint(_least_squares(w, m, idx, bits, levels)), lo, hi)
        idx, err = _nearest(w, m, levels, bits, lam)
        e = err.sum(axis=0)
        better = e < best_err
        best_err = np.where(better, e, best_err)
        best_lv = np.where(better[:, None], levels, best_lv)
        best_idx = np.where(better[None, :], idx, best_idx)
    best_lv, best_err = polish_levels(best_lv, best_err, lo, hi,
                                      lambda lv, c: _nearest_cost(w[:, c], m[:, c], lv, bits, lam).sum(axis=0))
    best_idx, _ = _nearest(w, m, best_lv, bits, lam)
    return best_lv.astype(np.int64), best_idx.astype(np.int64), best_err


def polish_levels(levels: np.ndarray, err: np.ndarray, lo: int, hi: int, cost, sweeps: int = 32):
    """Integer coordinate descent: move single levels by +-1 while a neuron's cost falls.

    Rounding the least-squares levels can leave every weight one step off (e.g. 49 for 50). Neurons are
    independent here (their sources' types are fixed), so only the neurons that moved in the last sweep
    are tried again. ``cost(levels_of_cols, cols)`` returns the cost of the given neurons (columns).
    """
    levels, err = levels.copy(), err.copy()
    active = np.arange(levels.shape[0])
    for _ in range(sweeps):
        moved = np.zeros(levels.shape[0], bool)
        for k in range(levels.shape[1]):
            for step in (-1.0, 1.0):
                if active.size == 0:
                    break
                trial = levels[active].copy()
                trial[:, k] = np.clip(trial[:, k] + step, lo, hi)
                e = cost(trial, active)
                better = e < err[active]
                cols = active[better]
                levels[cols], err[cols], moved[cols] = trial[better], e[better], True
        active = np.flatnonzero(moved)
        if active.size == 0:
            break
    return levels, err


# ----- groups of sources ------------------------------------------------------------------------------------


def kmeans_rows(x: np.ndarray, k: int, seed: int, iters: int = 8) -> np.ndarray:
    """Deterministic k-means labels of the rows of ``x`` (farthest-point initialisation from a seeded row)."""
    if x.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    rng = np.random.default_rng(seed)
    centers = [x[rng.integers(x.shape[0])]]
    for _ in range(1, k):
        d = np.min([np.sum((x - c) ** 2, axis=1) for c in centers], axis=0)
        centers.append(x[int(np.argmax(d))])
    c = np.asarray(centers)
    labels = np.zeros(x.shape[0], dtype=np.int64)
    for _ in range(iters):
        labels = np.argmin(((x[:, None, :] - c[None]) ** 2).sum(axis=2), axis=1)
        c = np.asarray([x[labels == g].mean(axis=0) if np.any(labels == g) else c[g] for g in range(k)])
    return labels


def _fit_groups(w, m, labels, n_groups, copies, lo, hi, lam):
    """Levels of every group for fixed groups: (levels (G, N, c), total error)."""
    levels = np.zeros((n_groups, w.shape[1], copies))
    total = 0.0
    for g in range(n_groups):
        rows = labels == g
        if rows.any():
            levels[g], _, err = fit_levels(w[rows], m[rows], copies, lo, hi, lam)
            total += float(err.sum())
    return levels, total


def _regroup(w, m, levels, lam) -> np.ndarray:
    """Each source to the group whose per-neuron codebooks give it the least cost (3)."""
    bits = subset_matrix(levels.shape[2])
    cost = np.stack([_nearest(w, m, lv, bits, lam)[1].sum(axis=1) for lv in levels], axis=1)
    return np.argmin(cost, axis=1)


def value_groups(w: np.ndarray, m: np.ndarray, k: int) -> np.ndarray:
    """Sources binned into ``k`` groups by the mean of their non-zero weights (equal-count bins by rank).

    A start for sparse sources (one synapse each, e.g. partial-sum relays: k-means on such rows groups them by
    their target neuron, mixing signs in a group, while the value bins keep +q and -q apart)."""
    n = np.maximum(m.sum(axis=1), 1)
    mean = np.where(m, w, 0.0).sum(axis=1) / n
    rank = np.argsort(np.argsort(mean, kind="stable"), kind="stable")
    return (rank * k // max(w.shape[0], 1)).astype(np.int64)


def choose_groups(w: np.ndarray, m: np.ndarray, n_groups: int, copies: int, lo: int, hi: int, seed: int,
                  lam: float = 0.0, rounds: int = 4):
    """Alternate groups and levels from a k-means start and, with one copy, from value bins
    (:func:`value_groups`); returns the best (groups (S,), levels (G, N, c))."""
    k = min(n_groups, max(w.shape[0], 1))
    starts = [kmeans_rows(w, k, seed) if k > 1 else np.zeros(w.shape[0], np.int64)]
    if copies == 1 and k > 1:
        starts.append(value_groups(w, m, k))
    best = None
    for labels in starts:
        run = _alternate_groups(w, m, labels, n_groups, copies, lo, hi, lam, rounds if k > 1 else 0)
        best = run if best is None or run[0] < best[0] else best
    return best[1], best[2]


def _alternate_groups(w, m, labels, n_groups, copies, lo, hi, lam, rounds):
    """(total error, groups, levels): the best of alternating levels and groups from ``labels``."""
    levels, total = _fit_groups(w, m, labels, n_groups, copies, lo, hi, lam)
    best = (total, labels, levels)
    for _ in range(rounds):
        new = _regroup(w, m, levels, lam)
        if np.array_equal(new, labels):
            break
        labels = new
        levels, total = _fit_groups(w, m, labels, n_groups, copies, lo, hi, lam)
        if total < best[0]:
            best = (total, labels, levels)
    return best


# ----- type sets: each source's copies take any c of the T types ---------------------------------------


def type_sets(n_types: int, copies: int) -> np.ndarray:
    """All ``C(T, c)`` sets of ``c`` types, sorted, one per row (int64 (P, c))."""
    return np.asarray(list(combinations(range(n_types), copies)), np.int64).reshape(-1, copies)


def _set_cost(w, m, levels, sets, lam):
    """Per type set p: best choice (P, S, N) and cost (P, S, N) of every weight with ``L[:, sets[p]]``."""
    bits = subset_matrix(sets.shape[1])
    out = [_nearest(w, m, levels[:, st], bits, lam) for st in sets]
    return np.stack([o[0] for o in out]), np.stack([o[1] for o in out])


def _choice_vectors(sets, choice, P, n_types) -> np.ndarray:
    """The T-dimensional 0/1 vector of the copies each synapse connects: (S, N, T)."""
    bits = subset_matrix(sets.shape[1])
    full = np.zeros(choice.shape + (n_types,))
    chosen = bits[choice]  # (S, N, c)
    st = sets[P]  # (S, c)
    for k in range(sets.shape[1]):
        np.put_along_axis(full, st[:, None, k:k + 1].repeat(choice.shape[1], axis=1), chosen[:, :, k:k + 1], axis=2)
    return full


def _fixed_cost(w, m, levels, sets, P, lam):
    """Choices and cost (S, N) with every source's set fixed to ``sets[P]``."""
    bits = subset_matrix(sets.shape[1])
    choice, cost = np.zeros(w.shape, np.int64), np.zeros(w.shape)
    for p in np.unique(P).tolist():
        rows = p == P
        choice[rows], cost[rows] = _nearest(w[rows], m[rows], levels[:, sets[p]], bits, lam)
    return choice, cost


def _seed_spare_types(w, m, levels, sets, P, used, lo, hi, lam):
    """Types no group uses (``T - G*c`` of them, e.g. type 3 when c = 3) start at the best single level for
    what the groups leave unexplained, so that moving a source to a set with them can pay off."""
    if used >= levels.shape[1]:
        return levels
    choice, _ = _fixed_cost(w, m, levels, sets, P, lam)
    reached = np.einsum("snt,nt->sn", _choice_vectors(sets, choice, P, levels.shape[1]), levels)
    resid = np.where(m, w - reached, 0.0)
    levels = levels.copy()
    for t in range(used, levels.shape[1]):
        levels[:, t] = _best_single(resid, m, lo, hi)
        resid = np.where(np.abs(resid - levels[:, t]) < np.abs(resid), resid - levels[:, t], resid)
    return levels


def _best_type_sets(w, m, levels, P, sets, used, lo, hi, lam):
    """Refine two starts and keep the cheaper: the disjoint groups (spare types seeded), and all T levels
    fitted as if every source had T copies, each source then keeping its best ``c`` types (no start wins
    everywhere: the groups for c = 2, the full fit for c = 3 on random weights)."""
    n_types = levels.shape[1]
    starts = [(_seed_spare_types(w, m, levels, sets, P, used, lo, hi, lam), P)]
    full = fit_levels(w, m, n_types, lo, hi, lam)[0].astype(np.float64)
    starts.append((full, np.argmin(_set_cost(w, m, full, sets, lam)[1].sum(axis=2), axis=0)))
    best = None
    for lv, p in starts:
        lv, p = refine_type_sets(w, m, lv, p, sets, lo, hi, lam)
        cost = _fixed_cost(w, m, lv, sets, p, lam)[1].sum()
        if best is None or cost < best[0]:
            best = (cost, lv, p)
    return best[1], best[2]


def refine_type_sets(w, m, levels, P, sets, lo, hi, lam, rounds: int = 6):
    """Alternate the sources' type sets (each to its cheapest of the ``C(T, c)`` sets) and the T levels of
    every neuron (least squares over all its sources, rounded, polished); returns the best (levels, P).

    Starts from a disjoint-group solution (``P`` indexes ``sets``), which it can only improve: the cost
    (3) of every accepted step is compared with the best so far.
    """
    n_types = levels.shape[1]
    _, cost = _fixed_cost(w, m, levels, sets, P, lam)
    best = (cost.sum(), levels, P)
    for _ in range(rounds):
        P = np.argmin(_set_cost(w, m, levels, sets, lam)[1].sum(axis=2), axis=0)
        choice, _ = _fixed_cost(w, m, levels, sets, P, lam)
        b = _choice_vectors(sets, choice, P, n_types) * m[:, :, None]
        gram = np.einsum("snc,snd->ncd", b, b) + 1e-6 * np.eye(n_types)
        rhs = np.einsum("snc,sn->nc", b, np.where(m, w, 0.0)) + 1e-6 * levels
        levels = np.clip(np.rint(np.linalg.solve(gram, rhs[:, :, None])[:, :, 0]), lo, hi)
        err = _fixed_cost(w, m, levels, sets, P, lam)[1].sum(axis=0)
        levels, err = polish_levels(levels, err, lo, hi,
                                    lambda lv, c, p=P: _fixed_cost(w[:, c], m[:, c], lv, sets, p, lam)[1].sum(axis=0))
        total = err.sum()
        if total < best[0] - 1e-9:
            best = (total, levels, P)
        else:
            break
    return best[1], best[2]


# ----- one core -------------------------------------------------------------------------------------------------


def truenorth_core_weights(w: np.ndarray, n_types: int, w_lim: int, seed: int = 0, copies: int = 1,
                           bit_cost: float = 0.0):
    """Axon types, per-neuron levels and binary crossbar approximating ``w`` for one core.

    Parameters
    ----------
    w : float (n_sources, n_neurons)
        Scaled float weights (0 = no synapse).
    n_types : int
        Axon types of the chip (TrueNorth: 4).
    w_lim : int
        Levels lie in ``[-w_lim - 1, w_lim]`` (9-bit signed: 255).
    seed : int
        Seeds the k-means start of the groups.
    copies : int
        Axons per source, ``1 <= copies <= n_types``; source ``i`` owns axons ``i*copies + k``.
    bit_cost : float
        Price of one connected crossbar point as a fraction of a full-scale level: ``lam = (bit_cost *
        w_lim)**2`` in (3). 0 minimises the weight error alone.

    Returns
    -------
    axon_type int8 (n_sources * copies,), weights int64 (n_neurons, n_types),
    crossbar bool (n_sources * copies, n_neurons); :func:`effective_weights` of them is the fit of ``w``.
    """
    n_src, n_nrn = w.shape
    copies = int(max(1, min(copies, n_types)))
    n_groups = n_types // copies
    m = w != 0
    lo, hi = -w_lim - 1, w_lim
    lam = (bit_cost * w_lim) ** 2
    groups, group_levels = choose_groups(w, m, n_groups, copies, lo, hi, seed, lam)
    levels = np.zeros((n_nrn, n_types))
    levels[:, :n_groups * copies] = group_levels.transpose(1, 0, 2).reshape(n_nrn, -1)
    sets = type_sets(n_types, copies)
    # group g (types g*c .. g*c + c - 1) as an index into the sorted list of all type sets
    start = [int(np.flatnonzero((sets == np.arange(g * copies, (g + 1) * copies)).all(axis=1))[0])
             for g in range(n_groups)]
    P = np.asarray(start, np.int64)[groups] if n_src else np.zeros(0, np.int64)
    if len(sets) > n_groups and n_src:  # c = 2, 3 with T = 4: more sets than disjoint groups
        levels, P = _best_type_sets(w, m, levels, P, sets, n_groups * copies, lo, hi, lam)
    choice, _ = _fixed_cost(w, m, levels, sets, P, lam) if n_src else (np.zeros((0, n_nrn), np.int64), None)
    crossbar = subset_matrix(copies)[choice].transpose(0, 2, 1).astype(bool)  # (S, c, N)
    axon_type = sets[P].reshape(-1)
    return axon_type.astype(np.int8), levels.astype(np.int64), crossbar.reshape(n_src * copies, n_nrn)


__all__ = ["choose_groups", "effective_weights", "fit_levels", "kmeans_rows", "polish_levels", "refine_type_sets",
           "subset_matrix", "truenorth_core_weights", "type_sets"]
