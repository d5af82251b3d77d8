"""Form-js definitions to WTForms classes, typed data and accessible HTML."""

from .compiler import build_form_class
from .data import summary, typed_data
from .definition import FormDefinition
from .errors import DefinitionError
from .markup import render_markdown

__all__ = [
    "DefinitionError",
    "FormDefinition",
    "build_form_class",
    "render_markdown",
    "summary",
    "typed_data",
]
