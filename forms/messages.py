"""Message catalogue: English message ids with bokmål (and friendlier English) text."""

from __future__ import annotations

# Our own message ids. The English text is the id; MESSAGES gives bokmål.
REQUIRED = "“%(label)s” is required."
REQUIRED_UNNAMED = "This field is required."
REQUIRED_CHECKBOX = "You must tick “%(label)s”."
REQUIRED_CHOICE = "Select an option for “%(label)s”."
REQUIRED_CHECKLIST = "Select at least one option for “%(label)s”."
REQUIRED_FILE = "Choose a file for “%(label)s”."
BAD_CHARACTERS = "The text contains characters that are not allowed."
PATTERN = "The value is not in the expected format."
NOT_NUMBER = "Enter a number, for example 12 or 12.5."
NOT_INTEGER = "Enter a whole number, for example 12."
TOO_MANY_DIGITS = "The number has too many digits."
NUMBER_MIN = "The number must be %(min)s or more."
NUMBER_MAX = "The number must be %(max)s or less."
DATE_MIN = "The date cannot be before %(date)s."
DATE_MAX = "The date cannot be after %(date)s."
DATE_PAST = "The date cannot be in the past."
DATE_FUTURE = "The date cannot be in the future."
EMAIL = "Enter a valid email address, for example name@example.com."
PHONE = (
    "Enter a valid phone number: 8 digits, or + and the country code for numbers outside Norway."
)
FODSELSNUMMER = (
    "The national identity number is not valid. Check that you typed all 11 digits correctly."
)
ORGANISASJONSNUMMER = (
    "The organisation number is not valid. Check that you typed all 9 digits correctly."
)
POSTNUMMER = "The postcode must be 4 digits."
KONTONUMMER = "The account number is not valid. Check that you typed all 11 digits correctly."
UPLOAD_TYPE = "“%(name)s” is not an allowed file type. Allowed types: %(types)s."
UPLOAD_MISMATCH = "“%(name)s” is not a real %(type)s file: its content does not match its name."
UPLOAD_SIZE = "“%(name)s” is too large (%(size)s MB). The largest allowed size is %(limit)s MB."
UPLOAD_EMPTY = "“%(name)s” is empty."
UPLOAD_REJECTED = "“%(name)s” was stopped by the virus check."
UPLOAD_UNCHECKED = "“%(name)s” could not be checked for viruses. Try again later."
# Plural message ids (singular form is the key).
MIN_LENGTH = ("Enter at least %(min)d character.", "Enter at least %(min)d characters.")
MAX_LENGTH = (
    "Enter at most %(max)d character. You have entered %(length)d.",
    "Enter at most %(max)d characters. You have entered %(length)d.",
)
DECIMALS = ("Use at most %(n)d decimal place.", "Use at most %(n)d decimal places.")

_CSRF_NB = "Skjemaet er utløpt. Last inn siden på nytt og prøv igjen."
_CSRF_EN = "The form has expired. Reload the page and try again."

# msgid -> {"nb": text, "en": text}; a missing "en" means the msgid itself.
MESSAGES: dict[str, dict[str, str]] = {
    REQUIRED: {"nb": "«%(label)s» må fylles ut."},
    REQUIRED_UNNAMED: {"nb": "Feltet må fylles ut."},
    REQUIRED_CHECKBOX: {"nb": "Du må krysse av for «%(label)s»."},
    REQUIRED_CHOICE: {"nb": "Velg et alternativ for «%(label)s»."},
    REQUIRED_CHECKLIST: {"nb": "Velg minst ett alternativ for «%(label)s»."},
    REQUIRED_FILE: {"nb": "Velg en fil for «%(label)s»."},
    BAD_CHARACTERS: {"nb": "Teksten inneholder tegn som ikke er tillatt."},
    PATTERN: {"nb": "Verdien har ikke riktig format."},
    NOT_NUMBER: {"nb": "Skriv inn et tall, for eksempel 12 eller 12,5."},
    NOT_INTEGER: {"nb": "Skriv inn et heltall, for eksempel 12."},
    TOO_MANY_DIGITS: {"nb": "Tallet har for mange siffer."},
    NUMBER_MIN: {"nb": "Tallet må være %(min)s eller høyere."},
    NUMBER_MAX: {"nb": "Tallet må være %(max)s eller lavere."},
    DATE_MIN: {"nb": "Datoen kan ikke være før %(date)s."},
    DATE_MAX: {"nb": "Datoen kan ikke være etter %(date)s."},
    DATE_PAST: {"nb": "Datoen kan ikke være tilbake i tid."},
    DATE_FUTURE: {"nb": "Datoen kan ikke være fram i tid."},
    EMAIL: {"nb": "Skriv inn en gyldig e-postadresse, for eksempel navn@eksempel.no."},
    PHONE: {
        "nb": "Skriv inn et gyldig telefonnummer: 8 siffer, eller + og landskode for "
        "utenlandske nummer."
    },
    FODSELSNUMMER: {
        "nb": "Fødselsnummeret er ikke gyldig. Sjekk at du har skrevet 11 siffer riktig."
    },
    ORGANISASJONSNUMMER: {
        "nb": "Organisasjonsnummeret er ikke gyldig. Sjekk at du har skrevet 9 siffer riktig."
    },
    POSTNUMMER: {"nb": "Postnummeret må være 4 siffer."},
    KONTONUMMER: {"nb": "Kontonummeret er ikke gyldig. Sjekk at du har skrevet 11 siffer riktig."},
    UPLOAD_TYPE: {"nb": "«%(name)s» er ikke en tillatt filtype. Tillatte filtyper: %(types)s."},
    UPLOAD_MISMATCH: {
        "nb": "«%(name)s» er ikke en ekte %(type)s-fil: innholdet stemmer ikke med filnavnet."
    },
    UPLOAD_SIZE: {
        "nb": "«%(name)s» er for stor (%(size)s MB). Største tillatte størrelse er %(limit)s MB."
    },
    UPLOAD_EMPTY: {"nb": "«%(name)s» er tom."},
    UPLOAD_REJECTED: {"nb": "«%(name)s» ble stoppet av viruskontrollen."},
    UPLOAD_UNCHECKED: {"nb": "«%(name)s» kunne ikke sjekkes for virus. Prøv igjen senere."},
    # WTForms' own messages, made clearer in both languages.
    "Not a valid date value.": {
        "nb": "Skriv inn en gyldig dato, for eksempel 17.05.2025.",
        "en": "Enter a real date, for example 2025-05-17.",
    },
    "Not a valid choice.": {
        "nb": "Velg et av alternativene.",
        "en": "Select one of the options.",
    },
    "Invalid Choice: could not coerce.": {
        "nb": "Velg et av alternativene.",
        "en": "Select one of the options.",
    },
    # Flask-WTF raises these untranslated; the macros translate them on display.
    "The CSRF token is missing.": {"nb": _CSRF_NB, "en": _CSRF_EN},
    "The CSRF token has expired.": {"nb": _CSRF_NB, "en": _CSRF_EN},
    "The CSRF token is invalid.": {"nb": _CSRF_NB, "en": _CSRF_EN},
    "The CSRF tokens do not match.": {"nb": _CSRF_NB, "en": _CSRF_EN},
    "The CSRF session token is missing.": {"nb": _CSRF_NB, "en": _CSRF_EN},
}

# singular msgid -> {"nb": (one, other), "en": (one, other)}
PLURALS: dict[str, dict[str, tuple[str, str]]] = {
    MIN_LENGTH[0]: {
        "nb": ("Skriv minst %(min)d tegn.", "Skriv minst %(min)d tegn."),
        "en": MIN_LENGTH,
    },
    MAX_LENGTH[0]: {
        "nb": (
            "Skriv høyst %(max)d tegn. Du har skrevet %(length)d.",
            "Skriv høyst %(max)d tegn. Du har skrevet %(length)d.",
        ),
        "en": MAX_LENGTH,
    },
    DECIMALS[0]: {
        "nb": ("Bruk høyst %(n)d desimal.", "Bruk høyst %(n)d desimaler."),
        "en": DECIMALS,
    },
    "'%(value)s' is not a valid choice for this field.": {
        "nb": ("Velg blant alternativene.", "Velg blant alternativene."),
        "en": ("Select from the options.", "Select from the options."),
    },
}

# Interface text used by the macros and summaries.
UI: dict[str, dict[str, str]] = {
    "error_summary_title": {"nb": "Det er feil i skjemaet", "en": "There is a problem"},
    "required_marker": {"nb": "(må fylles ut)", "en": "(required)"},
    "error_prefix": {"nb": "Feil: ", "en": "Error: "},
    "choose": {"nb": "Velg …", "en": "Choose …"},
    "yes": {"nb": "Ja", "en": "Yes"},
    "no": {"nb": "Nei", "en": "No"},
    "empty": {"nb": "–", "en": "–"},
    "row": {"nb": "Rad %(n)s", "en": "Row %(n)s"},
    "row_of": {"nb": "%(list)s, rad %(n)s", "en": "%(list)s, row %(n)s"},
    "add_row": {"nb": "Legg til rad", "en": "Add row"},
    "remove_row": {"nb": "Fjern rad %(n)s", "en": "Remove row %(n)s"},
    "file_limits": {
        "nb": "Tillatte filtyper: %(types)s. Største filstørrelse: %(size)s MB.",
        "en": "Allowed file types: %(types)s. Largest file size: %(size)s MB.",
    },
    "step_of": {"nb": "Steg %(n)s av %(total)s", "en": "Step %(n)s of %(total)s"},
    "steps": {"nb": "Steg i skjemaet", "en": "Form steps"},
    "back": {"nb": "Tilbake", "en": "Back"},
    "next": {"nb": "Neste", "en": "Next"},
    "submit": {"nb": "Send", "en": "Send"},
}
