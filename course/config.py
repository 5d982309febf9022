"""Configuration from the environment, with safe development defaults and a test configuration."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET_KEY = "dev-only-secret-key-change-me"  # noqa: S105 - refused in production


def _sqlite_url(instance_path: str) -> str:
    return f"sqlite:///{Path(instance_path) / 'dignity.db'}"


def normalise_database_url(url: str) -> str:
    """Accept the URLs operators paste (postgres://, postgresql://) and use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def from_environment(instance_path: str) -> dict:
    """Build the configuration mapping from environment variables."""
    env = os.environ
    database_url = normalise_database_url(env.get("DATABASE_URL") or _sqlite_url(instance_path))
    return {
        "ENV_NAME": env.get("DIGNITY_ENV", "development"),
        "SECRET_KEY": env.get("SECRET_KEY", DEV_SECRET_KEY),
        "SQLALCHEMY_ENGINES": {"default": database_url},
        "ACADEMY_NAME": env.get("ACADEMY_NAME", "Dignity Police Academy"),
        "CONTENT_DIR": env.get("CONTENT_DIR", str(PROJECT_ROOT / "modules")),
        "PUBLIC_BASE_URL": env.get("PUBLIC_BASE_URL", ""),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env.get("SESSION_COOKIE_SECURE", "0") == "1",
        "REMEMBER_COOKIE_SECURE": env.get("SESSION_COOKIE_SECURE", "0") == "1",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_DEFAULT_LOCALE": "en",
        # Times are shown in each user's chosen zone, else the academy's (an admin setting), else this one.
        "BABEL_DEFAULT_TIMEZONE": env.get("DEFAULT_TIME_ZONE", "UTC"),
        "LANGUAGES": ["en", "ko"],
        "BABEL_TRANSLATION_DIRECTORIES": str(PROJECT_ROOT / "translations"),
        # Certificates: public verification is rate limited per address so serials cannot be enumerated.
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        "VERIFY_RATE_LIMIT": env.get("VERIFY_RATE_LIMIT", "30/minute"),
        "CREDENTIAL_KEY_DIR": env.get("CREDENTIAL_KEY_DIR", ""),  # default: <instance>/keys
        # LTI 1.3: the tool's signing keys (default: <instance>/lti-keys) and how long a launch's nonce lives.
        "LTI_KEY_DIR": env.get("LTI_KEY_DIR", ""),
        "LTI_NONCE_SECONDS": int(env.get("LTI_NONCE_SECONDS", "600")),
        # Sign-in, registration and password links are rate limited per address (lockout is per account).
        "AUTH_RATE_LIMIT": env.get("AUTH_RATE_LIMIT", "20/minute;200/hour"),
        # Self-service password reset by email; without MAIL_SERVER, trainers and admins issue links.
        "MAIL_SERVER": env.get("MAIL_SERVER", ""),
        "MAIL_PORT": int(env.get("MAIL_PORT", "587")),
        "MAIL_USE_TLS": env.get("MAIL_USE_TLS", "1") == "1",
        "MAIL_USERNAME": env.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD", ""),
        "MAIL_FROM": env.get("MAIL_FROM", ""),
        "MAIL_TIMEOUT": float(env.get("MAIL_TIMEOUT", "10")),
        # `flask reminders send`: emails per SMTP connection (and per page read from the database).
        "MAIL_BATCH_SIZE": int(env.get("MAIL_BATCH_SIZE", "100")),
        # Behind a reverse proxy: how many proxies set each X-Forwarded-* header (0 = do not trust them).
        "PROXY_FIX_X_FOR": int(env.get("PROXY_FIX_X_FOR", "0")),
        "PROXY_FIX_X_PROTO": int(env.get("PROXY_FIX_X_PROTO", "0")),
        "PROXY_FIX_X_HOST": int(env.get("PROXY_FIX_X_HOST", "0")),
        "PROXY_FIX_X_PREFIX": int(env.get("PROXY_FIX_X_PREFIX", "0")),
        "LOG_FORMAT": env.get("LOG_FORMAT", "text"),
        # Single sign-on with the academy's directory (OpenID Connect); all three set turn it on.
        "OIDC_ISSUER": env.get("OIDC_ISSUER", ""),
        "OIDC_CLIENT_ID": env.get("OIDC_CLIENT_ID", ""),
        "OIDC_CLIENT_SECRET": env.get("OIDC_CLIENT_SECRET", ""),
        "OIDC_NAME": env.get("OIDC_NAME", ""),  # the button says "Sign in with <OIDC_NAME>"
        "OIDC_SCOPES": env.get("OIDC_SCOPES", "openid email profile"),
        # The JSON API (docs/api.md): requests per token, and how long a change settles before a sync lists it.
        "API_RATE_LIMIT": env.get("API_RATE_LIMIT", "600/minute"),
        "API_SYNC_SETTLE_SECONDS": int(env.get("API_SYNC_SETTLE_SECONDS", "2")),
        # Records out (docs/integrations.md): the xAPI LRS statements go to, and the outbox worker's pacing.
        "XAPI_LRS_URL": env.get("XAPI_LRS_URL", ""),
        "XAPI_LRS_USERNAME": env.get("XAPI_LRS_USERNAME", ""),
        "XAPI_LRS_PASSWORD": env.get("XAPI_LRS_PASSWORD", ""),
        "RECORDS_ACCOUNT_NAME": env.get("RECORDS_ACCOUNT_NAME", "opaque"),  # or "email"
        "OUTBOX_BATCH_SIZE": int(env.get("OUTBOX_BATCH_SIZE", "20")),
        "OUTBOX_LEASE_SECONDS": int(env.get("OUTBOX_LEASE_SECONDS", "300")),
        "OUTBOX_MAX_ATTEMPTS": int(env.get("OUTBOX_MAX_ATTEMPTS", "25")),
        "OUTBOX_HTTP_TIMEOUT": float(env.get("OUTBOX_HTTP_TIMEOUT", "10")),
        "OUTBOX_POLL_SECONDS": float(env.get("OUTBOX_POLL_SECONDS", "5")),
    }


def testing_config(tmp_path: Path, content_dir: Path) -> dict:
    """Configuration for the test suite: a throw-away database unless DATABASE_URL names one."""
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp_path / 'test.db'}"
    return {
        "TESTING": True,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_ENGINES": {"default": normalise_database_url(database_url)},
        "CONTENT_DIR": str(content_dir),
        "ACADEMY_NAME": "Test Academy",
        "PASSWORD_HASH_FAST": True,
        "API_SYNC_SETTLE_SECONDS": 0,  # tests see their own writes at once; tests/test_api_sync.py checks settling
    }


MIN_SECRET_KEY_LENGTH = 24
# Keys copied from examples and tutorials: anyone could forge a session signed with one of them.
KNOWN_SECRET_KEYS = frozenset({DEV_SECRET_KEY, "test-secret-key", "changeme", "change-me", "secret", "secret-key",
                               "your-secret-key", "dev", "development", "please-change-me", "supersecret"})


def secret_key_problem(key: object) -> str | None:
    """Why `key` cannot sign production sessions (missing, a known default, short or repetitive), or None."""
    if not isinstance(key, str | bytes) or not key:
        return "it is not set"
    text = key.decode("latin-1") if isinstance(key, bytes) else key
    if text.strip().lower() in KNOWN_SECRET_KEYS:
        return "it is a published default"
    if len(text) < MIN_SECRET_KEY_LENGTH:
        return f"it is shorter than {MIN_SECRET_KEY_LENGTH} characters"
    if len(set(text)) < 8:
        return "it repeats a few characters"
    return None


def check_production_safety(config: dict) -> None:
    """Refuse to run in production with a missing, default, short or repetitive secret key, or without a
    public address."""
    if config.get("ENV_NAME") != "production":
        return
    problem = secret_key_problem(config.get("SECRET_KEY"))
    if problem:
        raise RuntimeError(
            f"Refusing to start: DIGNITY_ENV=production needs a SECRET_KEY environment variable "
            f"(a long random string, not the development default); {problem}. Make one with: "
            "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
        )
    # Signed credentials, QR codes and verify links name the site; without a fixed address they would
    # take it from the request's Host header, which anyone can set.
    if not (config.get("PUBLIC_BASE_URL") or "").startswith(("https://", "http://")):
        raise RuntimeError(
            "Refusing to start: DIGNITY_ENV=production needs PUBLIC_BASE_URL, the site's public address "
            "(e.g. https://training.academy.example): credentials and verify links are signed with it."
        )
