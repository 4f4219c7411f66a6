"""Settings of the example API behind mtlsguard.

Everything deployment-specific comes from the environment so that the same
code runs under `manage.py runserver`, gunicorn and the end-to-end test.
"""
import os

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "example-only-set-DJANGO_SECRET_KEY")
DEBUG = False

# The proxy forwards the client's Host (and X-Forwarded-Host); list the
# public names here, not "*".
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",")

# mtlsguard sets X-Forwarded-Proto: https and X-Forwarded-Host after deleting
# the client's own copies, so Django may trust them; without a proxy that
# strips them, these two settings would let any client lie about both.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
USE_X_FORWARDED_HOST = True

# Second line of defence behind the proxy's defaults.max_body (1MiB): Django
# refuses a larger non-file body read through request.body or request.POST.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

INSTALLED_APPS = []
DATABASES = {}  # the example keeps no data

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    # A browser presents an installed client certificate as it sends a
    # cookie, so CSRF protection stays on; the API's POST views are for
    # programs and opt out with @csrf_exempt.
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

# Clients reach the app only over the proxy's TLS.
SECURE_HSTS_SECONDS = 31536000
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_SECURE = True
# No redirect to https: the proxy never sends plain http, and health checks
# that reach gunicorn directly must get an answer, not a 301.
SILENCED_SYSTEM_CHECKS = ["security.W008"]

# Refuse requests that did not come through mtlsguard. The example switches
# it with MTLSGUARD_REQUIRE_SIGNATURE so that the unprotected app can be
# shown too; a real deployment lists the middleware unconditionally, so that
# a missing secret stops the app at start instead of leaving it open.
if os.environ.get("MTLSGUARD_REQUIRE_SIGNATURE", "") in ("1", "true", "on"):
    MIDDLEWARE.insert(0, "mtlsguard_middleware.MtlsguardMiddleware")
MTLSGUARD_SIGN_SECRET = os.environ.get("MTLSGUARD_SIGN_SECRET", "")
MTLSGUARD_MAX_SKEW_SECONDS = 30
MTLSGUARD_EXEMPT_PATHS = ("/healthz",)

ROOT_URLCONF = "service.urls"
WSGI_APPLICATION = "service.wsgi.application"
USE_TZ = True
TIME_ZONE = "UTC"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "loggers": {"django.request": {"handlers": ["stderr"], "level": "ERROR"}},
}
