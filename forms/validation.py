"""Mixins of compiled forms: remember the submission, validate only what is shown."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from wtforms import Form

from .definition import FormDefinition
from .filefield import UploadField
from .visibility import hidden_keys, row_is_blank, visibility


def _clear_errors(field: Any) -> None:
    field.errors = []
    for entry in getattr(field, "entries", ()):
        for subfield in entry.form:
            _clear_errors(subfield)


@contextmanager
def _validating_only(form: Any, skip: set[str] | frozenset[str]) -> Iterator[None]:
    # BaseForm.validate walks form._fields: hide the skipped ones from it for a
    # moment, so the base class's own validate (CSRF, inline validate_<name>) runs.
    fields = form._fields
    for name in skip:
        if name in fields:
            _clear_errors(fields[name])
    form._fields = OrderedDict((n, f) for n, f in fields.items() if n not in skip)
    try:
        yield
    finally:
        form._fields = fields


class SubmittedData:
    """The submission as fields see it: only text, except in file fields.

    A crafted request can send a file under a text field's name; WTForms would
    hand the file object to validators that expect text.
    """

    def __init__(self, formdata: Any, file_names: set[str]) -> None:
        self._values: dict[str, list[Any]] = {}
        for name in formdata:
            values = list(formdata.getlist(name))
            if name not in file_names:
                values = [value for value in values if isinstance(value, str)]
            if values:
                self._values[name] = values

    def __contains__(self, name: object) -> bool:
        return name in self._values

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def getlist(self, name: str) -> list[Any]:
        """Every value submitted under ``name``."""
        return list(self._values.get(name, ()))

    def get(self, name: str, default: Any = None) -> Any:
        """The first value submitted under ``name``."""
        values = self._values.get(name)
        return values[0] if values else default


class DefinedForm:
    """The first base of every compiled form class (before the caller's base)."""

    _forms_definition: FormDefinition
    _forms_formdata: Any = None
    # Set by validate_page: the definition keys one page validates.
    _forms_only: frozenset[str] | None = None
    # Set by validate: the keys the current data hides.
    _forms_hidden: frozenset[str] = frozenset()

    def process(
        self,
        formdata: Any = None,
        obj: Any = None,
        data: Any = None,
        extra_filters: Any = None,
        **kwargs: Any,
    ) -> None:
        """Process as WTForms does, remembering the (wrapped) submitted data."""
        this: Any = self
        formdata = this.meta.wrap_formdata(this, formdata)
        if formdata is not None:
            files = {f.name for f in this._fields.values() if isinstance(f, UploadField)}
            formdata = SubmittedData(formdata, files)
        self._forms_formdata = formdata
        parent: Any = super()
        parent.process(formdata, obj, data=data, extra_filters=extra_filters, **kwargs)

    def validate(self, extra_validators: Any = None) -> bool:
        """Validate the fields the current data shows; hidden ones get no errors."""
        definition = self._forms_definition
        visible = visibility(self, definition)
        skip = hidden_keys(definition.components, visible)
        self._forms_hidden = frozenset(skip)  # what rules between fields count as empty
        if self._forms_only is not None:
            skip |= set(definition.keys) - self._forms_only
        this: Any = self
        for component in definition.input_components:
            key = component["key"]
            if component["type"] == "dynamiclist" and key not in skip:
                field = this[key]
                for position, entry in enumerate(field.entries):
                    if position >= field.min_entries and row_is_blank(component, entry):
                        # An extra row left empty is ignored, not an error.
                        entry.form._forms_hidden = frozenset(entry.form._fields)
                        continue
                    entry.form._forms_hidden = hidden_keys(
                        component["components"], visible, entry.name
                    )
        parent: Any = super()
        with _validating_only(self, skip):
            return bool(parent.validate(extra_validators))


class RowForm(Form):  # type: ignore[misc]
    """The base of a dynamic list's row form; skips the row's hidden fields."""

    _forms_hidden: set[str] | frozenset[str] = frozenset()

    def validate(self, extra_validators: Any = None) -> bool:
        """Validate the fields of this row that its data shows."""
        with _validating_only(self, self._forms_hidden):
            return bool(super().validate(extra_validators))
