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
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
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
    CRM_RECYCLE_RETENTION_DAYS = int(os.environ.get("CRM_RECYCLE_RETENTION_DAYS", "60"))

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
    # memory:// is per process: with several gunicorn workers point this at redis://…
    RATELIMIT_STORAGE_URI = os.environ.get("CRM_RATELIMIT_STORAGE_URI", "memory://")
    AUTH_RATE_LIMITED = True
    AUTH_RATE_LIMIT = os.environ.get("CRM_LOGIN_RATE_LIMIT", "10 per minute")
    CRM_LOCKOUT_ATTEMPTS = int(os.environ.get("CRM_LOCKOUT_ATTEMPTS", "5"))
    CRM_LOCKOUT_MINUTES = int(os.environ.get("CRM_LOCKOUT_MINUTES", "15"))
    CRM_IDLE_TIMEOUT_MINUTES = int(os.environ.get("CRM_IDLE_TIMEOUT_MINUTES", "30"))
    CRM_SESSION_MAX_HOURS = int(os.environ.get("CRM_SESSION_MAX_HOURS", "12"))
    PERMANENT_SESSION_LIFETIME = CRM_SESSION_MAX_HOURS * 3600

    # --- request safety ---------------------------------------------------------------------
    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    MAX_CONTENT_LENGTH = int(os.environ.get("CRM_MAX_UPLOAD_MB", "50")) * 1024 * 1024
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_bool("CRM_HTTPS", False)
