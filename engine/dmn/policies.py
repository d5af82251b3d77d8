"""Hit policies: from the rules that matched to a decision table's result."""

from __future__ import annotations

from typing import Any, Protocol

Hit = tuple[Any, dict[str, Any]]
"""A matched rule and its outputs by output name."""
Outcome = tuple[dict[str, Any], list[Hit], bool]
"""The flat result, the rules that gave it, and whether the defaults were used."""


class DecisionError(Exception):
    """A decision table gave no usable result: no rule matched, or rules conflict."""


class Run(Protocol):
    """What a policy needs from one evaluation of a table."""

    table: Any
    task: Any
    engine: Any

    def name(self) -> str: ...

    def described_inputs(self) -> str: ...

    def defaults(self) -> dict[str, Any] | None: ...


def _rules(rules: list[Any]) -> str:
    names = [f"'{rule.id}' (row {rule.row_number})" for rule in rules]
    return ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else "".join(names)


def check_unique(run: Run, rules: list[Any]) -> None:
    """Refuse a UNIQUE table where more than one rule matched (before any output runs)."""
    if run.table.hit_policy == "UNIQUE" and len(rules) > 1:
        raise DecisionError(
            f"In {run.name()} (hit policy UNIQUE) {len(rules)} rules matched: {_rules(rules)}, "
            f"for {run.described_inputs()}. Only one rule may match; make the rules "
            "exclusive or choose the hit policy FIRST."
        )


def _names(run: Run) -> list[str]:
    return [o.name or o.label for o in run.table.outputs]


def single(run: Run, hits: list[Hit]) -> Outcome:
    """UNIQUE, FIRST, PRIORITY, ANY: one result; no match uses the defaults or fails."""
    policy = run.table.hit_policy
    if not hits:
        defaults = run.defaults()
        if defaults is None:
            raise DecisionError(
                f"No rule in {run.name()} matched: {run.described_inputs()}. "
                "Add a rule for these values, or a default output."
            )
        return defaults, [], True
    if policy == "ANY":
        other = next((hit for hit in hits if hit[1] != hits[0][1]), None)
        if other is not None:
            raise DecisionError(
                f"In {run.name()} (hit policy ANY) the rules {_rules([hits[0][0], other[0]])} both "
                f"matched but give different outputs, for {run.described_inputs()}."
            )
        return hits[0][1], hits, False
    if policy == "PRIORITY":
        hits = ordered(run, hits)
    return hits[0][1], hits[:1], False


def multiple(run: Run, hits: list[Hit]) -> Outcome:
    """COLLECT, RULE ORDER, OUTPUT ORDER: lists per output, or one aggregated number."""
    if run.table.hit_policy == "OUTPUT ORDER":
        hits = ordered(run, hits)
    columns = {name: [out.get(name) for _, out in hits] for name in _names(run)}
    aggregation = getattr(run.table, "aggregation", None)
    if run.table.hit_policy == "COLLECT" and aggregation:
        return {n: aggregate(run, aggregation, n, v) for n, v in columns.items()}, hits, False
    return columns, hits, False


def aggregate(run: Run, aggregation: str, name: str, values: list[Any]) -> Any:
    """SUM, MIN, MAX or COUNT of one output column (empty outputs are left out).

    As in Camunda, SUM and COUNT take every matching rule's output, not only
    distinct ones. Without values, COUNT is 0 and the others are None.
    """
    present = [v for v in values if v is not None]
    if aggregation == "COUNT":
        return len(present)
    if not present:
        return None
    try:
        if aggregation == "SUM":
            total = present[0]
            for value in present[1:]:
                total = total + value
            return total
        return min(present) if aggregation == "MIN" else max(present)
    except TypeError as err:
        raise DecisionError(
            f"In {run.name()} the outputs of '{name}' cannot be combined with "
            f"{aggregation}: {present!r} ({err})."
        ) from err


def _output_values(run: Run) -> list[tuple[str, list[Any]]]:
    ranked = []
    for output in run.table.outputs:
        text = run.table.output_values.get(output.id)
        if not text or not text.strip():
            continue
        try:
            values = run.engine.evaluate(run.task, text.strip())
        except Exception as err:
            raise DecisionError(
                f"In {run.name()} the output values of '{output.name or output.label}' "
                f"could not be read: {err}"
            ) from err
        ranked.append((output.name or output.label, list(_as_list(values))))
    if not ranked:
        raise DecisionError(
            f"In {run.name()} (hit policy {run.table.hit_policy}) no output lists its "
            "values (outputValues) in priority order."
        )
    return ranked


def _as_list(values: Any) -> list[Any]:
    return list(values) if isinstance(values, list | tuple) else [values]


def ordered(run: Run, hits: list[Hit]) -> list[Hit]:
    """Hits sorted by the position of their outputs in the outputs' value lists."""
    ranked = _output_values(run)

    def key(hit: Hit) -> tuple[int, ...]:
        positions = []
        for name, values in ranked:
            if hit[1].get(name) not in values:
                raise DecisionError(
                    f"In {run.name()} rule '{hit[0].id}' gives {hit[1].get(name)!r} for "
                    f"'{name}', which is not one of its output values {values!r}."
                )
            positions.append(values.index(hit[1].get(name)))
        return tuple(positions)

    return sorted(hits, key=key)
