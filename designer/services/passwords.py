"""The password policy: a minimum length and zxcvbn's strength estimate, with the person's
own words (username, name, e-mail, municipality) counted as easy to guess.

Plain functions without Flask: the admin service and the password-reset page share them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from zxcvbn import zxcvbn

MIN_SCORE = 3  # zxcvbn: 3 = "safely unguessable" (about 10^8 guesses and more)
ZXCVBN_MAX_LENGTH = 100  # zxcvbn's time grows with length; beyond this it adds nothing

# zxcvbn's warnings (English) with our translatable texts.
HINTS: dict[str, Any] = {
    'Repeats like "aaa" are easy to guess.': _l('Repeats like "aaa" are easy to guess.'),
    'Repeats like "abcabcabc" are only slightly harder to guess than "abc".': _l(
        'Repeats like "abcabcabc" are only slightly harder to guess than "abc".'
    ),
    'Sequences like "abc" or "6543" are easy to guess.': _l(
        'Sequences like "abc" or "6543" are easy to guess.'
    ),
    "Straight rows of keys are easy to guess.": _l("Straight rows of keys are easy to guess."),
    "Short keyboard patterns are easy to guess.": _l("Short keyboard patterns are easy to guess."),
    "Recent years are easy to guess.": _l("Recent years are easy to guess."),
    "Dates are often easy to guess.": _l("Dates are often easy to guess."),
    "This is a top-10 common password.": _l("This is a very common password."),
    "This is a top-100 common password.": _l("This is a very common password."),
    "This is a very common password.": _l("This is a very common password."),
    "This is similar to a commonly used password.": _l(
        "This is similar to a commonly used password."
    ),
    "A word by itself is easy to guess.": _l("A word by itself is easy to guess."),
    "Names and surnames by themselves are easy to guess.": _l(
        "Names by themselves are easy to guess."
    ),
    "Common names and surnames are easy to guess.": _l("Names by themselves are easy to guess."),
}


@dataclass(frozen=True)
class Problem:
    """Why a password is refused: `code` is short, personal or weak; `hint` zxcvbn's warning."""

    code: str
    hint: str = ""

    def message(self, min_length: int, *, own: bool = True) -> str:
        """The translated reason; `own` says "your" (the person) rather than "the person's"."""
        if self.code == "short":
            return _("The password must be at least %(count)d characters long.", count=min_length)
        if self.code == "personal":
            if own:
                return _("The password must not be your username or e-mail address.")
            return _("The password must not be the person's username or e-mail address.")
        if self.code == "own_words":
            if own:
                return _("The password is too close to your name or your municipality's name.")
            return _("The password is too close to the person's name or the municipality's name.")
        text = _("That password is too common. Choose one that is harder to guess.")
        hint = HINTS.get(self.hint)
        return f"{text} {hint}" if hint is not None else text


def own_words(
    username: str = "", name: str = "", email: str = "", municipality: str = ""
) -> list[str]:
    """The words of a person's own that zxcvbn should count as known."""
    local = email.split("@")[0]
    words = [username, local, *re.split(r"[\s._+-]+", local), *name.split()]
    words += [municipality, *municipality.split()]
    return [w for w in dict.fromkeys(w.strip().casefold() for w in words) if len(w) >= 2]


def problem(
    password: str,
    *,
    min_length: int,
    username: str = "",
    email: str = "",
    user_inputs: Iterable[str] = (),
) -> Problem | None:
    """Why `password` is not good enough, or None when it is."""
    if len(password) < min_length:
        return Problem("short")
    folded = password.casefold()
    personal = {username.casefold(), email.casefold().split("@")[0]} - {""}
    if any(len(part) >= 3 and part in folded for part in personal):
        return Problem("personal")
    result = zxcvbn(password[:ZXCVBN_MAX_LENGTH], user_inputs=list(user_inputs))
    if int(result["score"]) >= MIN_SCORE:
        return None
    if any(m.get("dictionary_name") == "user_inputs" for m in result["sequence"]):
        return Problem("own_words")
    return Problem("weak", str(result["feedback"].get("warning") or ""))
