"""The password policy: zxcvbn with the person's own words, and a minimum length."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from designer.services import passwords
from designer.services.passwords import own_words, problem

WORDS = own_words("kari", "Kari Nordmann", "kari.nordmann@example.no", "Notodden kommune")


def _problem(password: str):  # type: ignore[no-untyped-def]
    return problem(
        password,
        min_length=12,
        username="kari",
        email="kari.nordmann@example.no",
        user_inputs=WORDS,
    )


@pytest.mark.parametrize(
    "password",
    ["rosa elefanter danser", "riktig-hest-batteri", "Ab3$kq9!Lm2@wz", "hacked-password-123"],
)
def test_strong_passwords_pass(password):
    assert _problem(password) is None


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("kort", "short"),
        ("password1234", "weak"),  # in no 50-word list of ours, but zxcvbn knows it
        ("qwertyuiopas", "weak"),
        ("abcdefghijklmn", "weak"),
        ("kari12345678", "personal"),
        ("Nordmann2026!", "own_words"),  # the surname
        ("Notodden2026!", "own_words"),  # the municipality
    ],
)
def test_weak_passwords_are_refused_with_a_reason(password, code):
    found = _problem(password)
    assert found is not None and found.code == code, found


def test_the_reason_says_why(app):
    with app.test_request_context(), force_locale("en"):
        sequence = _problem("abcdefghijklmn")
        assert sequence is not None
        assert sequence.message(12) == (
            "That password is too common. Choose one that is harder to guess. "
            'Sequences like "abc" or "6543" are easy to guess.'
        )
    with app.test_request_context(), force_locale("nb"):
        assert "for vanlig" in sequence.message(12)
        assert "minst 12 tegn" in passwords.Problem("short").message(12)


def test_the_admin_ui_refuses_the_persons_own_name(app, login_as):
    admin = login_as("admin")
    fields = {"name": "Nina Nordmann", "email": "", "roles": ["caseworker"]}
    response = admin.submit(
        "/admin/users/new", {**fields, "username": "nina", "password": "Nordmann2026!"}
    )
    assert response.status_code == 400
    with app.test_request_context(), force_locale("nb"):
        expected = passwords.Problem("own_words").message(12, own=False)
    assert expected in response.get_data(as_text=True).replace("&#39;", "'")
