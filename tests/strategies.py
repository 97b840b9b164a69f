"""Hypothesis strategies for valid cases, built from the vocabulary (not hand-listed)."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from crux.vocabulary import Term, load_vocabulary


def _number(rng: tuple[float, float] | None) -> st.SearchStrategy[float]:
    lo, hi = rng or (0.0, 100.0)
    return st.floats(min_value=lo, max_value=hi, allow_nan=False).map(lambda x: round(x, 1))


def _value(term: Term) -> st.SearchStrategy[Any]:
    vocab = load_vocabulary()
    if term.kind == "bool":
        base: st.SearchStrategy[Any] = st.booleans()
    elif term.kind == "region_list":
        return st.lists(st.sampled_from(sorted(vocab.regions)), max_size=2, unique=True)
    else:
        base = _number(term.range)
    if term.sided:
        sided = st.fixed_dictionaries({}, optional={"left": base, "right": base}).filter(bool)
        return st.one_of(base, sided)
    return base


def _section(terms: dict[str, Term]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({}, optional={k: _value(t) for k, t in terms.items()})


@st.composite
def complaints(draw: st.DrawFn) -> dict[str, Any]:
    vocab = load_vocabulary()
    rng = vocab.case_ranges
    contexts = sorted(vocab.contexts)
    return draw(
        st.fixed_dictionaries(
            {"region": st.sampled_from(sorted(vocab.regions)), "side": st.sampled_from(vocab.sides)},
            optional={
                "onset": st.sampled_from(vocab.onsets),
                "duration_weeks": _number(rng["duration_weeks"]),
                "severity": st.integers(0, 10),
                "qualities": st.lists(st.sampled_from(sorted(vocab.qualities)), max_size=3, unique=True),
                "worse_with": st.lists(st.sampled_from(contexts), max_size=3, unique=True),
                "better_with": st.lists(st.sampled_from(contexts), max_size=2, unique=True),
                "radiates_to": st.lists(st.sampled_from(sorted(vocab.regions)), max_size=2, unique=True),
            },
        )
    )


@st.composite
def cases(draw: st.DrawFn, red_flags: bool = True) -> dict[str, Any]:
    vocab = load_vocabulary()
    optional: dict[str, st.SearchStrategy[Any]] = {
        "age": st.integers(16, 95),
        "sex": st.sampled_from(vocab.sexes),
        "exposures": _section(vocab.exposures),
        "history": _section(vocab.history),
        "measurements": _section(vocab.measurements),
    }
    if red_flags:
        optional["red_flags"] = st.fixed_dictionaries(
            {}, optional={k: st.booleans() for k in vocab.red_flags}
        )
    return draw(
        st.fixed_dictionaries(
            {"version": st.just(1), "complaints": st.lists(complaints(), min_size=1, max_size=3)},
            optional=optional,
        )
    )
