"""The forms' texts: English message ids, translated by the application's catalogue.

`N_` only marks a text for extraction (the designer's `flask i18n sync` reads forms/**.py);
`forms.i18n` translates it at run time through the catalogue the application plugs in
(`forms.use_translations`).
"""

from __future__ import annotations


def N_(message: str) -> str:
    """Mark `message` for the catalogue and return it unchanged."""
    return message


def plural(pair: tuple[str, str], n: int) -> str:
    """The message id for `n` of a (one, other) pair: nb, nn and en share that rule."""
    return pair[0] if n == 1 else pair[1]


REQUIRED = N_("“%(label)s” is required.")
REQUIRED_UNNAMED = N_("This field is required.")
REQUIRED_CHECKBOX = N_("You must tick “%(label)s”.")
REQUIRED_CHOICE = N_("Select an option for “%(label)s”.")
REQUIRED_CHECKLIST = N_("Select at least one option for “%(label)s”.")
REQUIRED_FILE = N_("Choose a file for “%(label)s”.")
BAD_CHARACTERS = N_("The text contains characters that are not allowed.")
PATTERN = N_("The value is not in the expected format.")
NOT_NUMBER = N_("Enter a number, for example 12 or 12.5.")
NOT_INTEGER = N_("Enter a whole number, for example 12.")
TOO_MANY_DIGITS = N_("The number has too many digits.")
NUMBER_MIN = N_("The number must be %(min)s or more.")
NUMBER_MAX = N_("The number must be %(max)s or less.")
DATE_MIN = N_("The date cannot be before %(date)s.")
DATE_MAX = N_("The date cannot be after %(date)s.")
DATE_PAST = N_("The date cannot be in the past.")
DATE_FUTURE = N_("The date cannot be in the future.")
EMAIL = N_("Enter a valid email address, for example name@example.com.")
PHONE = N_(
    "Enter a valid phone number: 8 digits, or + and the country code for numbers outside Norway."
)
FODSELSNUMMER = N_(
    "The national identity number is not valid. Check that you typed all 11 digits correctly."
)
ORGANISASJONSNUMMER = N_(
    "The organisation number is not valid. Check that you typed all 9 digits correctly."
)
POSTNUMMER = N_("The postcode must be 4 digits.")
KONTONUMMER = N_("The account number is not valid. Check that you typed all 11 digits correctly.")
UPLOAD_TYPE = N_("“%(name)s” is not an allowed file type. Allowed types: %(types)s.")
UPLOAD_MISMATCH = N_("“%(name)s” is not a real %(type)s file: its content does not match its name.")
UPLOAD_SIZE = N_("“%(name)s” is too large (%(size)s MB). The largest allowed size is %(limit)s MB.")
UPLOAD_EMPTY = N_("“%(name)s” is empty.")
UPLOAD_REJECTED = N_("“%(name)s” was stopped by the virus check.")
UPLOAD_UNCHECKED = N_("“%(name)s” could not be checked for viruses. Try again later.")
MIN_LENGTH = (
    N_("Enter at least %(min)d character."),
    N_("Enter at least %(min)d characters."),
)
MAX_LENGTH = (
    N_("Enter at most %(max)d character. You have entered %(length)d."),
    N_("Enter at most %(max)d characters. You have entered %(length)d."),
)
DECIMALS = (N_("Use at most %(n)d decimal place."), N_("Use at most %(n)d decimal places."))
BAD_DATE = N_("Enter a real date, for example 2025-05-17.")
# Rules between two fields (relations.py): the field's label, the other's, its value.
COMPARE_DATE_BEFORE = N_("“%(label)s” must be before “%(other)s” (%(value)s).")
COMPARE_DATE_NOT_AFTER = N_("“%(label)s” cannot be after “%(other)s” (%(value)s).")
COMPARE_DATE_AFTER = N_("“%(label)s” must be after “%(other)s” (%(value)s).")
COMPARE_DATE_NOT_BEFORE = N_("“%(label)s” cannot be before “%(other)s” (%(value)s).")
COMPARE_LESS = N_("“%(label)s” must be less than “%(other)s” (%(value)s).")
COMPARE_NOT_MORE = N_("“%(label)s” cannot be more than “%(other)s” (%(value)s).")
COMPARE_MORE = N_("“%(label)s” must be more than “%(other)s” (%(value)s).")
COMPARE_NOT_LESS = N_("“%(label)s” cannot be less than “%(other)s” (%(value)s).")
COMPARE_SAME = N_("“%(label)s” must be the same as “%(other)s”.")
COMPARE_DIFFERENT = N_("“%(label)s” must be different from “%(other)s”.")
BAD_CHOICE = N_("Select one of the options.")
BAD_CHOICES = N_("Select from the options.")
EXPIRED = N_("The form has expired. Reload the page and try again.")

# WTForms' and Flask-WTF's own message ids -> ours (clearer, and in our catalogue).
# Flask-WTF raises the CSRF ones untranslated; the macros translate them on display.
ALIASES: dict[str, str] = {
    "Not a valid date value.": BAD_DATE,
    "Not a valid choice.": BAD_CHOICE,
    "Invalid Choice: could not coerce.": BAD_CHOICE,
    "'%(value)s' is not a valid choice for this field.": BAD_CHOICES,
    "The CSRF token is missing.": EXPIRED,
    "The CSRF token has expired.": EXPIRED,
    "The CSRF token is invalid.": EXPIRED,
    "The CSRF tokens do not match.": EXPIRED,
    "The CSRF session token is missing.": EXPIRED,
}

EMPTY = "–"  # an empty answer in a summary: the same sign in every language
# Interface text of the macros and summaries, by the name the templates use.
UI: dict[str, str] = {
    "error_summary_title": N_("There is a problem"),
    "required_marker": N_("(required)"),
    "error_prefix": N_("Error: "),
    "choose": N_("Choose …"),
    "yes": N_("Yes"),
    "no": N_("No"),
    "empty": EMPTY,
    "row": N_("Row %(n)s"),
    "row_of": N_("%(list)s, row %(n)s"),
    "add_row": N_("Add row"),
    "remove_row": N_("Remove row %(n)s"),
    "file_limits": N_("Allowed file types: %(types)s. Largest file size: %(size)s MB."),
    "step_of": N_("Step %(n)s of %(total)s"),
    "steps": N_("Form steps"),
    "back": N_("Back"),
    "next": N_("Next"),
    "submit": N_("Send"),
}
