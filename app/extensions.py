"""Extensions, unbound; `create_app` binds them. AppBuilder is made per app (see FAB5-NOTES)."""

from flask_appbuilder.models.sqla import Model
from flask_appbuilder.models.sqla.base import SQLA
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

# Bound to FAB's metadata so Alembic sees both FAB's security tables and ours.
db = SQLA(metadata=Model.metadata)
migrate = Migrate()
csrf = CSRFProtect()
