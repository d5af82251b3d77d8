"""Citizens: catalogue of services, applying, and following their cases."""

from typing import Any

from flask import Blueprint, current_app

from designer.services import uploads

bp = Blueprint("portal", __name__)


def _upload_settings() -> tuple[Any, str]:
    return current_app.config, current_app.instance_path


uploads.use_settings(_upload_settings)  # read from the app of the current context

from designer.web.portal import appeals, cpsv, export, letters, rules, tasks, views  # noqa: E402,F401
