"""Form-js definitions to WTForms classes, typed data and accessible HTML."""

from .compiler import build_form_class
from .conditions import ConditionError
from .data import summary, typed_data
from .definition import FormDefinition
from .errors import DefinitionError
from .formats import format_amount, format_date, format_number
from .i18n import LOCALES, problem_text, use_translations
from .markup import render_markdown
from .options import bind_options, make_form
from .pages import PageStep, first_error_page, page_count, page_step, validate_page
from .repeat import list_action
from .uploads import NoScanner, Scanner, Upload, UploadInfo, inspect_upload

__all__ = [
    "LOCALES",
    "ConditionError",
    "DefinitionError",
    "FormDefinition",
    "NoScanner",
    "PageStep",
    "Scanner",
    "Upload",
    "UploadInfo",
    "bind_options",
    "build_form_class",
    "first_error_page",
    "format_amount",
    "format_date",
    "format_number",
    "inspect_upload",
    "list_action",
    "make_form",
    "page_count",
    "page_step",
    "problem_text",
    "render_markdown",
    "summary",
    "typed_data",
    "use_translations",
    "validate_page",
]
