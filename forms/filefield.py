"""The file upload field and its check: size, type by content, virus-scan hook.

The scanner comes from the form's Meta: the designer's base form class sets
``class Meta: upload_scanner = SomeScanner()`` (any object with the
``forms.uploads.Scanner`` method); without one, ``NoScanner`` accepts every file.
"""

from __future__ import annotations

from typing import Any

from wtforms import widgets
from wtforms.fields import Field
from wtforms.validators import StopValidation

from . import messages as m
from .formats import format_number
from .uploads import (
    KINDS,
    NoScanner,
    Scanner,
    UploadInfo,
    inspect_upload,
    is_upload,
    kind_labels,
    stream_of,
)

_MB = 1024 * 1024


class UploadField(Field):  # type: ignore[misc]
    """One file (or several with ``multiple``); ``data`` is None or the upload(s)."""

    def __init__(
        self,
        label: str | None = None,
        validators: Any = None,
        multiple: bool = False,
        kinds: list[str] | None = None,
        max_size_mb: float = 10,
        **kwargs: Any,
    ) -> None:
        super().__init__(label, validators, **kwargs)
        self.multiple = multiple
        self.widget = widgets.FileInput(multiple=multiple)
        self.kinds: list[str] = list(kinds or KINDS)
        self.max_size_mb = max_size_mb
        self.infos: list[UploadInfo] = []

    def _value(self) -> str:
        return ""  # browsers never show a value in a file input

    def process_formdata(self, valuelist: list[Any]) -> None:
        files = [value for value in valuelist if is_upload(value)]
        self.infos = []
        if self.multiple:
            self.data = files or None
        else:
            self.data = files[0] if files else None

    def uploads(self) -> list[Any]:
        """The chosen files as a list."""
        if self.data is None:
            return []
        return list(self.data) if isinstance(self.data, list) else [self.data]

    def inspected(self) -> list[tuple[Any, UploadInfo]]:
        """Each upload with its UploadInfo (inspected once, then remembered)."""
        files = self.uploads()
        if len(self.infos) != len(files):
            self.infos = [inspect_upload(storage) for storage in files]
        return list(zip(files, self.infos, strict=True))


def scanner_of(form: Any) -> Scanner:
    """The virus scanner configured on the form's Meta, or NoScanner."""
    scanner: Scanner | None = getattr(form.meta, "upload_scanner", None)
    return scanner if scanner is not None else NoScanner()


class UploadCheck:
    """Checks each file: not empty, within the size limit, an allowed type, clean."""

    def __init__(self, locale: str) -> None:
        self.locale = locale

    def __call__(self, form: Any, field: UploadField) -> None:
        problems = [
            problem
            for storage, info in field.inspected()
            if (problem := self._problem(form, field, storage, info))
        ]
        if problems:
            raise StopValidation(" ".join(problems))

    def _problem(self, form: Any, field: UploadField, storage: Any, info: UploadInfo) -> str | None:
        name = {"name": info.filename_safe}
        if info.size == 0:
            return str(field.gettext(m.UPLOAD_EMPTY) % name)
        if info.size > field.max_size_mb * _MB:
            size = format_number(round(info.size / _MB, 1), self.locale)
            limit = format_number(field.max_size_mb, self.locale)
            return str(field.gettext(m.UPLOAD_SIZE) % {**name, "size": size, "limit": limit})
        claimed = info.extension_kind
        if claimed is None or claimed not in field.kinds:
            types = kind_labels(field.kinds)
            return str(field.gettext(m.UPLOAD_TYPE) % {**name, "types": types})
        if info.kind != claimed:
            label = KINDS[claimed].label
            return str(field.gettext(m.UPLOAD_MISMATCH) % {**name, "type": label})
        try:
            verdict = scanner_of(form).scan(stream_of(storage), info)
        except Exception:  # a scanner that fails must not let the file through
            return str(field.gettext(m.UPLOAD_UNCHECKED) % name)
        finally:
            stream_of(storage).seek(0)
        if verdict is not None:
            return str(field.gettext(m.UPLOAD_REJECTED) % name)
        return None
