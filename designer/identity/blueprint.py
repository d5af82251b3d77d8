"""The `auth` blueprint that the login and password-reset views share, and its session key."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

# The session's fingerprint of the password it was opened with: any change ends the session.
PASSWORD_KEY = "_password_fp"
