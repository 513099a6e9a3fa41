"""Every setting comes from the environment, with defaults that are safe on a laptop.

Nothing secret lives in this file: the secret key is generated once and kept under instance/.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("CRM_INSTANCE_DIR", BASE_DIR / "instance")).resolve()


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _check_password(password: str) -> None:
    from app.security.passwords import check_password

    check_password(password)


def _secret_key() -> str:
    """Use SECRET_KEY when given; otherwise generate one once and keep it beside the database."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    key_file = INSTANCE_DIR / "secret_key"
    if not key_file.exists():
        # written aside, then linked in: workers starting at once all end up with the same key
        draft = INSTANCE_DIR / f".secret_key.{os.getpid()}"
        draft.write_text(secrets.token_hex(32))
        draft.chmod(0o600)
        try:
            os.link(draft, key_file)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return key_file.read_text().strip()


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{INSTANCE_DIR / 'crm.sqlite'}"
    # Heroku-style and plain postgres URLs should just work with the psycopg 3 driver.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


class Config:
    SECRET_KEY = _secret_key()
    SQLALCHEMY_DATABASE_URI = _database_url()
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    CRM_PORT = int(os.environ.get("CRM_PORT", "5000"))
    CRM_COMPANY_NAME = os.environ.get("CRM_COMPANY_NAME", "Reservoir CRM")
    CRM_DEFAULT_CURRENCY = os.environ.get("CRM_DEFAULT_CURRENCY", "CNY")
    CRM_PICKER_LIMIT = 20  # rows a relationship picker returns per search
    # lists count matching rows up to this many ("10,000+", exact count on demand); 0: always exact
    CRM_LIST_COUNT_CAP = int(os.environ.get("CRM_LIST_COUNT_CAP", "10000"))
    CRM_RECYCLE_RETENTION_DAYS = int(os.environ.get("CRM_RECYCLE_RETENTION_DAYS", "60"))
    # the in-app scheduler (pool reclaim, purge, webhook deliveries); off: run
    # `flask --app run crm scheduler --once` from cron instead
    CRM_SCHEDULER = _env_bool("CRM_SCHEDULER", True)
    CRM_SCHEDULER_DAILY_AT = os.environ.get("CRM_SCHEDULER_DAILY_AT", "02:30")  # local time
    CRM_SCHEDULER_TICK_SECONDS = int(os.environ.get("CRM_SCHEDULER_TICK_SECONDS", "60"))
    # points and webhooks follow a write within moments (a background thread per process);
    # off: they wait for the scheduler's minute
    CRM_EVENTS_AFTER_REQUEST = _env_bool("CRM_EVENTS_AFTER_REQUEST", True)

    # --- Flask-AppBuilder -------------------------------------------------------------------
    APP_NAME = os.environ.get("CRM_APP_NAME", "Reservoir CRM")
    APP_THEME = ""
    FAB_SECURITY_MANAGER_CLASS = "app.security.manager.CrmSecurityManager"
    FAB_INDEX_VIEW = "app.views.home.HomeView"
    # The schema belongs to Alembic, and permissions are synced by `flask crm init`, so that
    # starting a worker never writes to the database (several gunicorn workers start at once).
    FAB_CREATE_DB = False
    FAB_UPDATE_PERMS = _env_bool("FAB_UPDATE_PERMS", False)
    FAB_ADD_SECURITY_API = False  # crashes with marshmallow 4 and skips CSRF (FAB5-NOTES)
    FAB_API_SWAGGER_UI = True
    FAB_ADD_OPENAPI_VIEWS = False  # app/api/openapi.py registers them, with the sign-in schemes
    FAB_API_KEY_ENABLED = True  # API keys for integrations: app/services/api_keys.py
    FAB_API_MAX_PAGE_SIZE = 100
    AUTH_TYPE = 1  # AUTH_DB
    AUTH_ROLE_ADMIN = "Admin"
    AUTH_ROLE_PUBLIC = "Public"
    AUTH_USER_REGISTRATION = False  # needs reCAPTCHA (online) and mail
    FAB_SAFE_REDIRECT_HOSTS = [
        h.strip() for h in os.environ.get("CRM_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()
    ]

    # --- languages --------------------------------------------------------------------------
    BABEL_DEFAULT_LOCALE = os.environ.get("CRM_DEFAULT_LANGUAGE", "zh")
    BABEL_DEFAULT_TIMEZONE = os.environ.get("CRM_TIMEZONE", "Asia/Shanghai")
    # Absolute: Flask-Babel resolves relative paths against the app package, not the repo.
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")
    LANGUAGES = {
        "zh": {"flag": "cn", "name": "中文"},
        "en": {"flag": "gb", "name": "English"},
    }

    # --- logins and sessions ----------------------------------------------------------------
    FAB_PASSWORD_COMPLEXITY_ENABLED = True
    FAB_PASSWORD_COMPLEXITY_VALIDATOR = staticmethod(lambda pw: _check_password(pw))
    RATELIMIT_ENABLED = _env_bool("CRM_RATE_LIMITS", True)
    # counters in a file every worker of this server shares (app/services/rate_limit_storage.py);
    # several servers: redis://…   (memory:// counts per process: N workers would allow N times more)
    RATELIMIT_STORAGE_URI = os.environ.get("CRM_RATELIMIT_STORAGE_URI",
                                           f"sqlite:///{INSTANCE_DIR / 'ratelimits.sqlite'}")
    AUTH_RATE_LIMITED = True
    AUTH_RATE_LIMIT = os.environ.get("CRM_LOGIN_RATE_LIMIT", "10 per minute")
    CRM_LOCKOUT_ATTEMPTS = int(os.environ.get("CRM_LOCKOUT_ATTEMPTS", "5"))
    CRM_LOCKOUT_MINUTES = int(os.environ.get("CRM_LOCKOUT_MINUTES", "15"))
    CRM_IDLE_TIMEOUT_MINUTES = int(os.environ.get("CRM_IDLE_TIMEOUT_MINUTES", "30"))
    CRM_SESSION_MAX_HOURS = int(os.environ.get("CRM_SESSION_MAX_HOURS", "12"))
    PERMANENT_SESSION_LIFETIME = CRM_SESSION_MAX_HOURS * 3600
    # the signed cookie is written only when the session changes (the idle clock writes it at most every
    # 30 s): rewriting it on every answer let a slow widget request, started before a language switch,
    # put the old language back when it finished after it
    SESSION_REFRESH_EACH_REQUEST = False

    # --- tickets and the public inquiry form (per address; Flask-Limiter syntax) --------------
    CRM_TICKET_LINK_DAYS = int(os.environ.get("CRM_TICKET_LINK_DAYS", "30"))
    CRM_INQUIRY_RATE_LIMIT = os.environ.get("CRM_INQUIRY_RATE_LIMIT", "5 per 10 minutes;20 per day")
    CRM_TICKET_LINK_RATE_LIMIT = os.environ.get("CRM_TICKET_LINK_RATE_LIMIT", "120 per hour")
    CRM_TICKET_REPLY_RATE_LIMIT = os.environ.get("CRM_TICKET_REPLY_RATE_LIMIT", "20 per hour")

    # --- request safety ---------------------------------------------------------------------
    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    MAX_CONTENT_LENGTH = int(os.environ.get("CRM_MAX_UPLOAD_MB", "50")) * 1024 * 1024
    # import 导入: largest file / most rows (the CLI is bound by these, uploads also by CRM_MAX_UPLOAD_MB),
    # and how long an import batch can be undone
    CRM_IMPORT_MAX_MB = int(os.environ.get("CRM_IMPORT_MAX_MB", "200"))
    CRM_IMPORT_MAX_ROWS = int(os.environ.get("CRM_IMPORT_MAX_ROWS", "2000000"))
    CRM_IMPORT_UNDO_HOURS = float(os.environ.get("CRM_IMPORT_UNDO_HOURS", "72"))
    # a running import silent this long lost its process (killed, out of memory): its rows are taken back
    CRM_IMPORT_STALE_MINUTES = float(os.environ.get("CRM_IMPORT_STALE_MINUTES", "5"))
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_bool("CRM_HTTPS", False)
    # reverse proxies in front of the app (nginx: 1): their X-Forwarded-For gives the client's address,
    # which rate limits and the login log need; 0 trusts no such header (nobody can forge it)
    CRM_PROXY_COUNT = int(os.environ.get("CRM_PROXY_COUNT", "0"))
