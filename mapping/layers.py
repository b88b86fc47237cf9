"""Sparse linear maps: convolution and pooling expanded to COO connectivity, and COO algebra.

A COO matrix here is a tuple ``(rows, cols, vals, shape)`` with ``y = M @ x``: ``rows`` index outputs and
``cols`` index inputs. Feature maps are flattened in (C, H, W) row-major order, as PyTorch's and NIR's
``Flatten`` do, so a conv output index is ``(c * H_out + y) * W_out + x``.
"""

from __future__ import annotations

import numpy as np

from chip_configs.errors import MappingError

Coo = tuple  # (rows int64[E], cols int64[E], vals float64[E], shape (n_out, n_in))


def _pair(value, what: str) -> tuple[int, int]:
    arr = np.asarray(value).reshape(-1)
    if arr.size == 1:
        return int(arr[0]), int(arr[0])
    if arr.size == 2:
        return int(arr[0]), int(arr[1])
    raise MappingError(f"{what}: expected an int or a pair, got {value!r}")


def conv_output_size(n: int, k: int, stride: int, pad: int, dil: int) -> int:
    """Output length of a convolution: ``floor((n + 2p - d(k-1) - 1) / s) + 1``."""
    return (n + 2 * pad - dil * (k - 1) - 1) // stride + 1


def _resolve_padding(padding, kernel: tuple[int, int], dilation: tuple[int, int]) -> tuple[int, int]:
    if isinstance(padding, str):
        if padding == "valid":
            return 0, 0
        if padding == "same":
            return tuple(d * (k - 1) // 2 for k, d in zip(kernel, dilation, strict=True))
        raise MappingError(f"padding {padding!r}; allowed: int, pair, 'same', 'valid'")
    return _pair(padding, "padding")


def conv2d_coo(weight: np.ndarray, in_shape, stride=1, padding=0, dilation=1, groups: int = 1):
    """Expand a 2-D convolution into its sparse connectivity.

    ``y[co, oy, ox] = sum_{ci, ky, kx} W[co, ci, ky, kx] * x[g*Cg + ci, oy*s - p + ky*d, ox*s - p + kx*d]``
    with zero padding (padded positions are no synapse).

    Parameters
    ----------
    weight : ndarray (C_out, C_in / groups, K_h, K_w)
    in_shape : (C_in, H, W)
    stride, padding, dilation : int or pair; padding may also be 'same' or 'valid'
    groups : int

    Returns
    -------
    coo : (rows, cols, vals, (n_out, n_in)), out_shape : (C_out, H_out, W_out)
    """
    w = np.asarray(weight, dtype=np.float64)
    c_in, h, wd = (int(v) for v in in_shape)
    c_out, cg, kh, kw = w.shape
    if cg * groups != c_in or c_out % groups:
        raise MappingError(f"conv2d: weight {w.shape} with groups={groups} does not match input channels {c_in}")
    (sh, sw), (dh, dw) = _pair(stride, "stride"), _pair(dilation, "dilation")
    ph, pw = _resolve_padding(padding, (kh, kw), (dh, dw))
    oh, ow = conv_output_size(h, kh, sh, ph, dh), conv_output_size(wd, kw, sw, pw, dw)
    co, ci, ky, kx, oy, ox = np.meshgrid(np.arange(c_out), np.arange(cg), np.arange(kh), np.arange(kw),
                                         np.arange(oh), np.arange(ow), indexing="ij")
    iy, ix = oy * sh - ph + ky * dh, ox * sw - pw + kx * dw
    cin = (co // (c_out // groups)) * cg + ci
    ok = (iy >= 0) & (iy < h) & (ix >= 0) & (ix < wd)
    vals = w[co, ci, ky, kx]
    ok &= vals != 0
    rows = (co * oh + oy) * ow + ox
    cols = (cin * h + iy) * wd + ix
    coo = (rows[ok].astype(np.int64), cols[ok].astype(np.int64), vals[ok], (c_out * oh * ow, c_in * h * wd))
    return coo, (c_out, oh, ow)


def pool2d_coo(in_shape, kernel, stride=None, padding=0, average: bool = False):
    """Sum (or average) pooling as a sparse map; average divides by the window size ``K_h * K_w``.

    The 1/(K_h K_w) factor of average pooling rides on the map's values, so once composed with the next
    layer's weights it is folded into them (a spike-only core cannot divide).
    """
    c, h, wd = (int(v) for v in in_shape)
    kh, kw = _pair(kernel, "kernel_size")
    sh, sw = _pair(kernel if stride is None else stride, "stride")
    ph, pw = _pair(padding, "padding")
    oh, ow = conv_output_size(h, kh, sh, ph, 1), conv_output_size(wd, kw, sw, pw, 1)
    ch, ky, kx, oy, ox = np.meshgrid(np.arange(c), np.arange(kh), np.arange(kw), np.arange(oh), np.arange(ow),
                                     indexing="ij")
    iy, ix = oy * sh - ph + ky, ox * sw - pw + kx
    ok = (iy >= 0) & (iy < h) & (ix >= 0) & (ix < wd)
    value = 1.0 / (kh * kw) if average else 1.0
    rows = ((ch * oh + oy) * ow + ox)[ok].astype(np.int64)
    cols = ((ch * h + iy) * wd + ix)[ok].astype(np.int64)
    return (rows, cols, np.full(rows.shape, value), (c * oh * ow, c * h * wd)), (c, oh, ow)


def dense_coo(w: np.ndarray) -> Coo:
    """A dense (n_out, n_in) matrix as COO (zeros dropped)."""
    w = np.asarray(w, dtype=np.float64)
    r, c = np.nonzero(w)
    return r.astype(np.int64), c.astype(np.int64), w[r, c], w.shape


def identity_coo(n: int, scale=1.0) -> Coo:
    """``diag(scale)`` of size n (``scale`` scalar or per element)."""
    idx = np.arange(n, dtype=np.int64)
    vals = np.broadcast_to(np.asarray(scale, dtype=np.float64), (n,)).copy()
    keep = vals != 0
    return idx[keep], idx[keep], vals[keep], (n, n)


def coo_sum_duplicates(rows, cols, vals, shape) -> Coo:
    """Merge duplicate (row, col) entries by addition; entries that sum to zero are dropped."""
    key = rows * shape[1] + cols
    uniq, inv = np.unique(key, return_inverse=True)
    summed = np.zeros(uniq.shape)
    np.add.at(summed, inv, vals)
    keep = summed != 0
    return (uniq // shape[1])[keep], (uniq % shape[1])[keep], summed[keep], shape


def coo_matmul(a: Coo, b: Coo) -> Coo:
    """``A @ B`` for COO matrices (A: m x k, B: k x n), duplicates merged."""
    ar, ac, av, ash = a
    br, bc, bv, bsh = b
    if ash[1] != bsh[0]:
        raise MappingError(f"cannot compose maps of shapes {ash} and {bsh}")
    order = np.argsort(ac, kind="stable")
    ar, ac, av = ar[order], ac[order], av[order]
    lo, hi = np.searchsorted(ac, br, "left"), np.searchsorted(ac, br, "right")
    counts = hi - lo
    b_idx = np.repeat(np.arange(br.size), counts)
    starts = np.repeat(lo - np.cumsum(counts) + counts, counts)
    a_idx = starts + np.arange(b_idx.size)
    rows, cols, vals = ar[a_idx], bc[b_idx], av[a_idx] * bv[b_idx]
    return coo_sum_duplicates(rows, cols, vals, (ash[0], bsh[1]))


def coo_add(a: Coo, b: Coo) -> Coo:
    """``A + B`` for COO matrices of one shape."""
    if a[3] != b[3]:
        raise MappingError(f"cannot add maps of shapes {a[3]} and {b[3]}")
    return coo_sum_duplicates(*(np.concatenate([x, y]) for x, y in zip(a[:3], b[:3], strict=True)), a[3])


def coo_scale_rows(a: Coo, scale: np.ndarray) -> Coo:
    """``diag(scale) @ A``."""
    r, c, v, sh = a
    return r, c, v * np.asarray(scale, dtype=np.float64)[r], sh


def conv2d_projection(pre: str, post: str, weight, in_shape, stride=1, padding=0, dilation=1, groups=1,
                      delay=1):
    """A sparse :class:`~mapping.network.Projection` for a 2-D convolution; returns (projection, out_shape)."""
    from mapping.network import Projection

    (r, c, v, _), out_shape = conv2d_coo(weight, in_shape, stride, padding, dilation, groups)
    return Projection(pre, post, (r, c, v), delay), out_shape


def pool2d_projection(pre: str, post: str, in_shape, kernel, stride=None, padding=0, average=False, delay=1):
    """A sparse :class:`~mapping.network.Projection` for sum/average pooling; returns (projection, out_shape)."""
    from mapping.network import Projection

    (r, c, v, _), out_shape = pool2d_coo(in_shape, kernel, stride, padding, average)
    return Projection(pre, post, (r, c, v), delay), out_shape
