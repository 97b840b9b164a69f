"""Tables over binary variables: noisy-OR tables, and the precomputed projections and
layouts that move tables between cliques without numpy's slow scattered-axis sums.

A table over variables ``(v1, ..., vk)`` is an ndarray of shape ``(2,) * k`` (or that
many axes of size 1 or 2 when laid out to broadcast on a larger table); axis ``a`` is
the state (0 off, 1 on) of the a-th variable.
"""

from __future__ import annotations

import itertools
from functools import lru_cache
from typing import NamedTuple

import numpy as np


def merged_links(
    parents: tuple[int, ...], weights: tuple[float, ...]
) -> tuple[list[int], list[float]]:
    """Two links from one parent act as one of weight 1 - (1 - w1)(1 - w2)."""
    keep: dict[int, float] = {}
    for p, w in zip(parents, weights, strict=True):
        keep[p] = 1.0 - (1.0 - keep.get(p, 0.0)) * (1.0 - w)
    return list(keep), list(keep.values())


def noisy_or_off(leak: float, weights: list[float] | tuple[float, ...]) -> np.ndarray:
    """P(off | parents) = (1 - leak) * prod (1 - w_i)^x_i, over the parents' axes."""
    table = np.array(1.0 - leak)
    for w in weights:
        table = np.multiply.outer(table, np.array([1.0, 1.0 - w]))
    return table


def place(table: np.ndarray, variables: list[int], target: tuple[int, ...]) -> np.ndarray:
    """A table over ``variables`` (in that axis order) laid out to broadcast on ``target``."""
    order = sorted(range(len(variables)), key=lambda a: target.index(variables[a]))
    table = np.transpose(table, order) if table.ndim else table
    wanted = set(variables)
    shape = tuple(2 if v in wanted else 1 for v in target)
    return np.ascontiguousarray(table).reshape(shape)


class Layout(NamedTuple):
    """Lay a table over ``source`` variables out to broadcast on ``target`` (a superset).

    A named tuple, as is :class:`Projection`: the cached trees hold tens of thousands of
    them, and a full collection of the cycle collector walks each; a named tuple has no
    per-instance dictionary to walk as well (measured: a full collection's longest pause
    while choosing questions 57 -> 35 ms).
    """

    perm: tuple[int, ...] | None
    shape: tuple[int, ...]

    @classmethod
    @lru_cache(maxsize=16384)  # trees compiled for different cases share most of them
    def of(cls, source: tuple[int, ...], target: tuple[int, ...]) -> Layout:
        wanted = [v for v in target if v in source]
        perm = tuple(source.index(v) for v in wanted)
        return cls(
            perm=None if perm == tuple(range(len(perm))) else perm,
            shape=tuple(2 if v in source else 1 for v in target),
        )

    def apply(self, table: np.ndarray) -> np.ndarray:
        if self.perm is not None:
            table = table.transpose(self.perm)
        return table.reshape(self.shape)


# measured on 2^18 float32 numbers, nanoseconds a number: a product whose innermost
# loop runs over 2^r numbers (r = 1, 2, 3, 4, more), and one looped over its last s
# axes in Python (s = 1, 2, 3), whose strided calls are slower a number
_PLAIN_NS = (1.4, 0.78, 0.55, 0.37, 0.15)
_LOOPED_NS = (0.37, 0.5, 0.86)
_CALL_NS = 3000.0


@lru_cache(maxsize=4096)
def _loops(shape: tuple[int, ...]) -> tuple[tuple[tuple[int, ...], tuple[int, ...]], ...]:
    """For a factor of this shape (1 on the axes it does not vary along) multiplied onto a
    full table: the index pairs (table's last axes, the factor's) to loop over, or none.

    numpy runs its innermost loop along the last run of axes where the factor either
    varies or not throughout; when that run is short (the factor constant along the very
    last axis, say), it crawls: on 2^18 numbers 370 microseconds against 35 when the run
    is long. Looping over the last few axes in Python leaves a longer run inside each
    call; it is done where the measured costs above say it is quicker.
    """
    def plain(axes: tuple[int, ...]) -> float:
        n = 0
        while n < len(axes) and axes[-1 - n] == axes[-1]:
            n += 1
        return _PLAIN_NS[min(n, len(_PLAIN_NS)) - 1]

    entries = 2 ** len(shape)
    best, cost = 0, entries * plain(shape)
    for s in range(1, min(len(_LOOPED_NS), len(shape) - 1) + 1):
        looped = 2**s * _CALL_NS + entries * max(_LOOPED_NS[s - 1], plain(shape[:-s]))
        if looped < cost:
            best, cost = s, looped
    if best == 0:
        return ()
    tail = shape[-best:]
    return tuple(
        (index, tuple(i if size == 2 else 0 for i, size in zip(index, tail, strict=True)))
        for index in itertools.product((0, 1), repeat=best)
    )


def times(table: np.ndarray, factor: np.ndarray) -> np.ndarray:
    """``table * factor``, for a factor laid out to broadcast on a full table (see
    :class:`Layout`), without numpy's slow short inner loops (see :func:`_loops`)."""
    if (not isinstance(factor, np.ndarray) or table.ndim != factor.ndim
            or 1 in table.shape or not table.ndim):
        return table * factor
    loops = _loops(factor.shape)
    if not loops:
        return table * factor
    out = np.empty(table.shape, dtype=np.result_type(table, factor))
    for index, at in loops:
        np.multiply(table[(..., *index)], factor[(..., *at)], out=out[(..., *index)])
    return out


_COMPLEX = {np.dtype(np.float64): np.complex128, np.dtype(np.float32): np.complex64}


def _halve(table: np.ndarray, outer: int, inner: int) -> np.ndarray:
    """``table`` viewed as ``(outer, 2, inner)``, summed over its middle axis.

    numpy iterates a two-dimensional add row by row, so rows of two or four numbers
    make it crawl: a row of two is added as one complex number (the same additions),
    and rows of four column by column.
    """
    if inner == 2:
        real = table.dtype
        pair = np.ascontiguousarray(table).view(_COMPLEX[real]).reshape(outer, 2)
        return (pair[:, 0] + pair[:, 1]).view(real)
    pair = table.reshape(outer, 2, inner)
    if inner == 4:
        out = np.empty((outer, 4), dtype=table.dtype)
        for j in range(4):
            np.add(pair[:, 0, j], pair[:, 1, j], out=out[:, j])
        return out
    return pair[:, 0, :] + pair[:, 1, :]


@lru_cache(maxsize=64)
def _ones(width: int, dtype: np.dtype) -> np.ndarray:
    return np.ones(width, dtype=dtype)


def _sum_run(table: np.ndarray, outer: int, width: int, inner: int) -> np.ndarray:
    """``table`` viewed as ``(outer, width, inner)``, summed over its middle axis, the
    fastest way for that shape (measured): halving where the inner block is small, a
    matrix-vector product where there is none, numpy's sum where it is long."""
    if width == 2:
        return _halve(table, outer, inner)
    if inner == 1:
        return table.reshape(outer, width) @ _ones(width, table.dtype)
    if inner >= 16:
        return table.reshape(outer, width, inner).sum(axis=1)
    while width > 1:
        width //= 2
        table = _halve(table, outer, width * inner)
    return table


class Projection(NamedTuple):
    """Sum a table over ``source`` down to the variables ``kept``, in the order given
    (kept in the source's own order needs no transposition, so the result stays
    contiguous: a transposed result is copied by every projection made from it).

    Every step sums out a run of neighbouring axes, the table viewed as ``(outer, width,
    inner)``; one axis is summed by adding the table's two halves along it, a plain
    elementwise add (numpy's own sum over an axis is up to thirty times slower when the
    inner block is small, which is the common case for a separator).
    """

    runs: tuple[tuple[int, int, int], ...]  # (outer, width, inner) of each run summed out
    out: tuple[int, ...]  # shape of the result, (2,) * len(kept)
    perm: tuple[int, ...] | None  # from source order to kept's order

    @classmethod
    @lru_cache(maxsize=16384)  # trees compiled for different cases share most of them
    def of(cls, source: tuple[int, ...], kept: tuple[int, ...]) -> Projection:
        keep = set(kept)
        axes = [v in keep for v in source]  # remaining axes, outermost first
        runs: list[tuple[int, int, int]] = []
        while False in axes:
            i = axes.index(False)
            m = 1
            while i + m < len(axes) and not axes[i + m]:
                m += 1
            runs.append((2**i, 2**m, 2 ** (len(axes) - i - m)))
            del axes[i:i + m]
        order = [v for v in source if v in keep]
        perm = tuple(order.index(v) for v in kept)
        return cls(
            runs=tuple(runs),
            out=(2,) * len(order),
            perm=None if perm == tuple(range(len(perm))) else perm,
        )

    def _summed(self, tables: np.ndarray, count: int) -> np.ndarray:
        """``count`` tables one after another, each summed down to the kept variables."""
        for outer, width, inner in self.runs:
            tables = _sum_run(tables, count * outer, width, inner)
        return tables

    def apply(self, table: np.ndarray) -> np.ndarray:
        out = self._summed(table, 1).reshape(self.out)
        return out if self.perm is None else out.transpose(self.perm)

    def apply_each(self, tables: np.ndarray) -> np.ndarray:
        """:meth:`apply` to each of a stack of tables (the first axis), in one go."""
        n = tables.shape[0]
        out = self._summed(tables, n).reshape((n, *self.out))
        return out if self.perm is None else out.transpose((0, *(a + 1 for a in self.perm)))
