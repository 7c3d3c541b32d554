"""Hypothesis strategies that write templates in the allowed subset, from its grammar:
what the property tests feed the renderer, at the unit and the route level."""

from hypothesis import strategies as st

from chalicelib.domain.rendering.filters import FILTERS
from chalicelib.domain.rendering.predicates import TESTS

NAMES = ("name", "customerId", "docType", "today", "attributes", "x", "loop", "nobody")
KEYS = ("plan", "balance", "seats", "vip", "missing")
NO_ARGUMENTS = sorted(
    {"abs", "capitalize", "dictsort", "first", "float", "int", "items", "last", "length"}
    | {"list", "lower", "max", "min", "reverse", "sort", "string", "sum", "title", "trim"}
    | {"upper", "wordcount", "count", "join", "default", "d", "truncate", "round"}
)
ONE_ARGUMENT = sorted({"default", "d", "join", "truncate", "round", "int", "float", "sort"})
TYPE_TESTS = sorted({"defined", "undefined", "none", "number", "string", "even", "odd"})
assert set(NO_ARGUMENTS) <= set(FILTERS) and set(TYPE_TESTS) <= set(TESTS)

literals = st.one_of(
    st.integers(-(10**6), 10**6).map(str),
    st.floats(-1e6, 1e6, allow_nan=False).map(repr),
    st.text("abc xyz.-", max_size=12).map(repr),
    st.sampled_from(["true", "false", "none", "[]", "[1, 2, 3]", "{'a': 1}", "range(5)"]),
)
variables = st.one_of(
    st.sampled_from(NAMES),
    st.sampled_from(KEYS).map(lambda key: f"attributes.{key}"),
    st.sampled_from(KEYS).map(lambda key: f"attributes['{key}']"),
    st.sampled_from(["loop.index", "loop.last", "name[0]", "name[1:3]"]),
)


def _extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(inner, st.sampled_from(NO_ARGUMENTS)).map(lambda t: f"{t[0]}|{t[1]}"),
        st.tuples(inner, st.sampled_from(ONE_ARGUMENT), inner).map(
            lambda t: f"{t[0]}|{t[1]}({t[2]})"
        ),
        st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "//", "%", "~"]), inner).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"
        ),
        st.tuples(inner, st.sampled_from(["==", "!=", "<", ">=", "in", "not in"]), inner).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"
        ),
        st.tuples(inner, st.sampled_from(["and", "or"]), inner).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"
        ),
        st.tuples(inner, st.sampled_from(TYPE_TESTS)).map(lambda t: f"({t[0]} is {t[1]})"),
        st.tuples(inner, inner, inner).map(lambda t: f"({t[0]} if {t[1]} else {t[2]})"),
        st.tuples(inner, inner).map(lambda t: f"[{t[0]}, {t[1]}]"),
        inner.map(lambda e: f"(not {e})"),
    )


expressions = st.recursive(literals | variables, _extend, max_leaves=8)


def _blocks(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(expressions, inner, inner).map(
            lambda t: f"{{% if {t[0]} %}}{t[1]}{{% else %}}{t[2]}{{% endif %}}"
        ),
        st.tuples(expressions, inner, inner).map(
            lambda t: f"{{% for x in {t[0]} %}}{t[1]}{{% else %}}{t[2]}{{% endfor %}}"
        ),
        st.tuples(inner, inner).map(lambda t: t[0] + t[1]),
    )


statements = st.recursive(
    st.one_of(
        st.text("Dear ,.\n", max_size=10),
        expressions.map(lambda e: f"{{{{ {e} }}}}"),
        expressions.map(lambda e: f"{{% set x = {e} %}}"),
    ),
    _blocks,
    max_leaves=10,
)
