"""Django settings, all from the environment (see openrcm.config and the README)."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

from openrcm.config import default_var_dir, env_flag, load_secrets

ENV = os.environ
OPENRCM_ENV = ENV.get("OPENRCM_ENV", "development").strip().lower()
PRODUCTION = OPENRCM_ENV == "production"

VAR_DIR = Path(ENV.get("OPENRCM_VAR_DIR") or default_var_dir()).resolve()
SECRETS = load_secrets(ENV, production=PRODUCTION, var_dir=VAR_DIR)

SECRET_KEY = SECRETS.secret_key
OPENRCM_FIELD_KEYS = SECRETS.field_keys
OPENRCM_SEARCH_KEY = SECRETS.search_key

DEBUG = env_flag(ENV, "OPENRCM_DEBUG", not PRODUCTION)
ALLOWED_HOSTS = [
    h.strip()
    for h in ENV.get("OPENRCM_ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost").split(
        ","
    )
    if h.strip()
]
if not PRODUCTION:
    ALLOWED_HOSTS += ["testserver"]

INSTALLED_APPS = [
    "openrcm.core.admin_site.OpenrcmAdminConfig",  # django.contrib.admin, under MFA + roles
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",  # serves the API docs (Swagger UI) from its own static files, not a CDN
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_tasks",
    "django_tasks_db",
    "openrcm.core",
    "openrcm.accounts",
    "openrcm.privacy",
    "openrcm.clients",
    "openrcm.payers",
    "openrcm.patients",
    "openrcm.coding",
    "openrcm.claims",
    "openrcm.clearinghouse",
    "openrcm.workqueue",
    "openrcm.eligibility",
    "openrcm.messaging",
    "openrcm.remittance",
    "openrcm.patient_billing",
    "openrcm.denials",
]

MIDDLEWARE = [
    "openrcm.core.middleware.RequestActorMiddleware",  # request id, request.actor
    "django.middleware.security.SecurityMiddleware",
    "openrcm.core.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "openrcm.core.middleware.IdleLogoffMiddleware",  # automatic logoff, server-side
    "openrcm.core.middleware.MFARequiredMiddleware",  # second factor before anything else
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "openrcm.urls"
WSGI_APPLICATION = "openrcm.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [Path(__file__).resolve().parent / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        ENV.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'openrcm.sqlite3'}",
        conn_max_age=int(ENV.get("OPENRCM_DB_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = ENV.get("OPENRCM_TIME_ZONE", "America/New_York")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [Path(__file__).resolve().parent / "static"]
MEDIA_ROOT = VAR_DIR / "files"

TASKS = {
    "default": {
        "BACKEND": ENV.get(
            "OPENRCM_TASKS_BACKEND",
            "django_tasks.backends.immediate.ImmediateBackend",
        )
    }
}

# Security: sessions end when idle (HIPAA automatic logoff), cookies and HTTPS in production.
OPENRCM_IDLE_LOGOFF_SECONDS = int(ENV.get("OPENRCM_IDLE_LOGOFF_SECONDS", str(15 * 60)))
SESSION_COOKIE_AGE = OPENRCM_IDLE_LOGOFF_SECONDS
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_flag(ENV, "OPENRCM_SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = env_flag(ENV, "OPENRCM_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_HSTS_SECONDS = int(ENV.get("OPENRCM_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    CSRF_TRUSTED_ORIGINS = [f"https://{h}" for h in ALLOWED_HOSTS]

OPENRCM_CODESETS_DIR = VAR_DIR / "codesets"

# Clearinghouse: the embedded sandbox by default; "sftp" for a real clearinghouse mailbox.
OPENRCM_CLEARINGHOUSE = ENV.get("OPENRCM_CLEARINGHOUSE", "sandbox")
OPENRCM_SANDBOX_DIR = Path(ENV.get("OPENRCM_SANDBOX_DIR", str(VAR_DIR / "sandbox")))
OPENRCM_SANDBOX_SEED = int(ENV.get("OPENRCM_SANDBOX_SEED", "0"))
# Share of members the sandbox payers answer "not on file" (277CA A7:164), in percent.
OPENRCM_SANDBOX_REJECT_PERCENT = int(ENV.get("OPENRCM_SANDBOX_REJECT_PERCENT", "3"))
# Claim status inquiries (276) go out for claims with no answer after this many days.
OPENRCM_CLAIM_STATUS_AFTER_DAYS = int(ENV.get("OPENRCM_CLAIM_STATUS_AFTER_DAYS", "30"))
OPENRCM_SFTP_HOST = ENV.get("OPENRCM_SFTP_HOST", "")
OPENRCM_SFTP_PORT = int(ENV.get("OPENRCM_SFTP_PORT", "22"))
OPENRCM_SFTP_USER = ENV.get("OPENRCM_SFTP_USER", "")
OPENRCM_SFTP_PASSWORD = ENV.get("OPENRCM_SFTP_PASSWORD", "")
OPENRCM_SFTP_KEY_FILE = ENV.get("OPENRCM_SFTP_KEY_FILE", "")
OPENRCM_SFTP_HOST_KEY = ENV.get("OPENRCM_SFTP_HOST_KEY", "")
OPENRCM_SFTP_KNOWN_HOSTS = ENV.get("OPENRCM_SFTP_KNOWN_HOSTS", "")
OPENRCM_SFTP_OUTBOX = ENV.get("OPENRCM_SFTP_OUTBOX", "outbound")
OPENRCM_SFTP_INBOX = ENV.get("OPENRCM_SFTP_INBOX", "inbound")
OPENRCM_COMPANY_NAME = ENV.get("OPENRCM_COMPANY_NAME", "Demo Billing Company")
# Denials: write-offs above this amount need an approval; underpayment tolerance.
OPENRCM_WRITE_OFF_APPROVAL_OVER = ENV.get("OPENRCM_WRITE_OFF_APPROVAL_OVER", "500.00")
OPENRCM_UNDERPAYMENT_TOLERANCE_AMOUNT = ENV.get("OPENRCM_UNDERPAYMENT_TOLERANCE_AMOUNT", "1.00")
OPENRCM_UNDERPAYMENT_TOLERANCE_PERCENT = ENV.get("OPENRCM_UNDERPAYMENT_TOLERANCE_PERCENT", "2")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": ENV.get("OPENRCM_LOG_LEVEL", "WARNING")},
}
