"""Tables over binary variables: noisy-OR tables, and the precomputed projections and
layouts that move tables between cliques without numpy's slow scattered-axis sums.

A table over variables ``(v1, ..., vk)`` is an ndarray of shape ``(2,) * k`` (or that
many axes of size 1 or 2 when laid out to broadcast on a larger table); axis ``a`` is
the state (0 off, 1 on) of the a-th variable.
"""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True)
class Layout:
    """Lay a table over ``source`` variables out to broadcast on ``target`` (a superset)."""

    perm: tuple[int, ...] | None
    shape: tuple[int, ...]

    @classmethod
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


def _halve(table: np.ndarray, outer: int, inner: int) -> np.ndarray:
    """``table`` viewed as ``(outer, 2, inner)``, summed over its middle axis.

    numpy iterates a two-dimensional add row by row, so rows of two or four numbers
    make it crawl: a row of two is added as one complex number (the same additions),
    and rows of four column by column.
    """
    if inner == 2:
        pair = np.ascontiguousarray(table).view(np.complex128).reshape(outer, 2)
        return (pair[:, 0] + pair[:, 1]).view(np.float64)
    pair = table.reshape(outer, 2, inner)
    if inner == 4:
        out = np.empty((outer, 4))
        for j in range(4):
            np.add(pair[:, 0, j], pair[:, 1, j], out=out[:, j])
        return out
    return pair[:, 0, :] + pair[:, 1, :]


@dataclass(frozen=True)
class Projection:
    """Sum a table over ``source`` down to the variables ``kept`` (sorted order).

    Every step sums out one axis by adding the table's two halves along it, viewed as
    ``(outer, 2, inner)``: a plain elementwise add that halves the table. numpy's own
    sum over an axis is up to thirty times slower when the inner block is small, which
    is the common case for a separator.
    """

    halvings: tuple[tuple[int, int], ...]  # (outer, inner) of each axis summed out
    out: tuple[int, ...]  # shape of the result, (2,) * len(kept)
    perm: tuple[int, ...] | None  # from source order to sorted order

    @classmethod
    def of(cls, source: tuple[int, ...], kept: tuple[int, ...]) -> Projection:
        keep = set(kept)
        axes = [v in keep for v in source]  # remaining axes, outermost first
        halvings: list[tuple[int, int]] = []
        while False in axes:
            i = axes.index(False)
            halvings.append((2**i, 2 ** (len(axes) - i - 1)))
            del axes[i]
        order = [v for v in source if v in keep]
        perm = tuple(order.index(v) for v in sorted(keep))
        return cls(
            halvings=tuple(halvings),
            out=(2,) * len(order),
            perm=None if perm == tuple(range(len(perm))) else perm,
        )

    def apply(self, table: np.ndarray) -> np.ndarray:
        out = table
        for outer, inner in self.halvings:
            out = _halve(out, outer, inner)
        out = out.reshape(self.out)
        return out if self.perm is None else out.transpose(self.perm)
