"""The component types, Norwegian field types and reserved keys forms/ knows."""

from __future__ import annotations

# Components whose value is stored under their key (a dynamic list stores a list).
INPUT_TYPES = frozenset(
    "textfield textarea number checkbox checklist radio select datetime "
    "filepicker dynamiclist".split()
)
CHOICE_TYPES = frozenset({"radio", "select", "checklist"})
# "button" is accepted and ignored: form-js editors add one, we render our own.
DISPLAY_TYPES = frozenset({"text", "separator", "spacer", "button"})
# Components with child components: a group is layout only, a dynamic list repeats.
CONTAINER_TYPES = frozenset({"group", "dynamiclist"})
KNOWN_TYPES = INPUT_TYPES | DISPLAY_TYPES | CONTAINER_TYPES
NORWEGIAN_TYPES = frozenset("fodselsnummer organisasjonsnummer postnummer kontonummer".split())
VALIDATION_TYPES = frozenset({"email", "phone"})
# Keys that would shadow attributes of WTForms' Form or Flask-WTF's FlaskForm, and
# "nav", the name of the multi-page navigation buttons.
RESERVED_KEYS = frozenset(
    "csrf_token meta data errors form_errors validate process populate_obj "
    "hidden_tag is_submitted validate_on_submit Meta nav".split()
)
