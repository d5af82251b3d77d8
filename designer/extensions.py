"""Flask extensions, created here and bound to the app in create_app()."""

from typing import cast

from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy.orm import Session

from engine.models import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True, compare_type=True)
csrf = CSRFProtect()
login_manager = LoginManager()
babel = Babel()

# The request's session, typed as the Session services take: Flask-SQLAlchemy's scoped
# session proxies every Session method to the session of the current app context.
db_session = cast(Session, db.session)
