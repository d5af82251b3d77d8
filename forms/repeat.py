"""Dynamic lists: a FieldList of row forms with add/remove buttons that work without JS.

The macros render, for a list with the data key ``items`` (field name ``items``):

- each row's fields as ``items-0-name``, ``items-1-name``, ... (WTForms naming),
  plus a hidden ``items-0-_row`` so a row whose inputs are all unticked survives;
- ``<button type="submit" name="items-add">`` and one
  ``<button type="submit" name="items-remove-<position>">`` per row.

A submission that pressed one of those buttons is not a real submission: the
list adds or removes the row while it is processed, and ``list_action(form)`` tells
the view to show the form again instead of validating it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wtforms.fields import FieldList
from wtforms.utils import unset_value

_MAX_INDEX_DIGITS = 4


class _Row:
    """Row data given as a dict, read as attributes (WTForms' ``obj``)."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self.__dict__["_values"] = values

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["_values"][name]
        except KeyError:
            raise AttributeError(name) from None


def _index(text: str) -> int | None:
    if text.isascii() and text.isdigit() and len(text) <= _MAX_INDEX_DIGITS:
        return int(text)
    return None


class DynamicListField(FieldList):  # type: ignore[misc]
    """Rows of a form-js ``dynamiclist``; ``action`` is "add", "remove" or None."""

    def __init__(
        self,
        unbound_field: Any,
        label: str | None = None,
        min_entries: int = 0,
        max_entries: int | None = None,
        initial: int = 1,
        allow_add_remove: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            unbound_field,
            label,
            min_entries=min_entries,
            max_entries=max_entries,
            default=lambda: [None] * initial,
            **kwargs,
        )
        self.allow_add_remove = allow_add_remove
        self.action: str | None = None

    def process(self, formdata: Any, data: Any = unset_value, extra_filters: Any = None) -> None:
        if isinstance(data, list | tuple):
            limit = self.max_entries or len(data)
            data = [_Row(row) if isinstance(row, Mapping) else None for row in data[:limit]]
        elif data is not unset_value:
            data = unset_value
        super().process(formdata, data, extra_filters)
        self.action = None
        if formdata and self.allow_add_remove:
            self._apply_action(formdata)

    def _extract_indices(self, prefix: str, formdata: Any) -> Any:
        start = f"{prefix}{self._separator}"
        for key in formdata:
            if isinstance(key, str) and key.startswith(start):
                index = _index(key[len(start) :].split(self._separator, 1)[0])
                if index is not None:
                    yield index

    def _apply_action(self, formdata: Any) -> None:
        if self.add_name in formdata:
            self.action = "add"
            if self.can_add:
                self.append_entry()
            return
        prefix = f"{self.name}-remove-"
        for key in formdata:
            if isinstance(key, str) and key.startswith(prefix):
                self.action = "remove"
                position = _index(key[len(prefix) :])
                if position is not None and position < len(self.entries) and self.can_remove:
                    self.entries.pop(position)
                    compact = getattr(self, "_compact_indices", None)
                    if compact is not None:
                        compact()
                return

    @property
    def add_name(self) -> str:
        """The name of the "add row" button."""
        return f"{self.name}-add"

    def remove_name(self, position: int) -> str:
        """The name of the "remove row" button of the row at ``position``."""
        return f"{self.name}-remove-{position}"

    @property
    def can_add(self) -> bool:
        """True while another row may be added."""
        return self.allow_add_remove and (
            self.max_entries is None or len(self.entries) < self.max_entries
        )

    @property
    def can_remove(self) -> bool:
        """True while a row may be removed."""
        return self.allow_add_remove and len(self.entries) > self.min_entries


def list_action(form: Any) -> bool:
    """True when the submission only pressed an add/remove row button.

    The view then shows the form again (without validating or saving it).
    """
    return any(isinstance(field, DynamicListField) and field.action is not None for field in form)
