"""Django middleware for apps behind the mtlsguard proxy.

mtlsguard terminates mutual TLS, deletes every identity header the client
sent (in every spelling: X-SSL-Client-S-DN-CN and X_SSL_Client_S_DN_CN both
become HTTP_X_SSL_CLIENT_S_DN_CN under WSGI), sets the verified ones, and,
with ``identity.sign_secret*`` configured, signs each request:

    X-Mtlsguard-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, message)>
    message = "<t>\\n<fingerprint>\\n<METHOD>\\n<request-target>"

This middleware recomputes that HMAC with the same secret, compares it in
constant time, refuses a timestamp outside the allowed skew, and so refuses
(403, application/problem+json) every request that did not come through the
proxy, such as one sent straight to gunicorn's port with forged identity
headers. Admitted requests carry ``request.mtls_identity`` (an MTLSIdentity);
exempt paths carry ``None``.

Settings:
    MTLSGUARD_SIGN_SECRET       the proxy's signing key (str, at least 32 bytes), or a
                                list of keys while rotating: [new, old]
    MTLSGUARD_SIGN_HEADER       default "X-Mtlsguard-Signature"
    MTLSGUARD_MAX_SKEW_SECONDS  default 30
    MTLSGUARD_EXEMPT_PATHS      exact paths served without a signature, e.g. ("/healthz",)

The signature binds the certificate fingerprint, the method, the request
target and the time. The CN and DN headers are not signed: they are trusted
because a signed request came through the proxy, which stripped the client's
copies. When the RFC 9440 Client-Cert header is present its SHA-256 must equal
the signed fingerprint, which binds the certificate itself too.
"""

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import JsonResponse

DEFAULT_SIGN_HEADER = "X-Mtlsguard-Signature"
DEFAULT_MAX_SKEW_SECONDS = 30
MIN_SECRET_BYTES = 32
PROBLEM_TYPE = "https://mtlsguard.dev/problems/unsigned-request"


class SignatureError(Exception):
    """The request carries no valid mtlsguard signature; str() says why."""


@dataclass(frozen=True)
class MTLSIdentity:
    """The client certificate's identity as the proxy verified it."""

    cn: str
    dn: str
    fingerprint: str
    spiffe: str  # the first spiffe:// URI SAN, or ""


def sign(secret: bytes, t: str, fingerprint: str, method: str, target: str) -> str:
    """Return the lower-case hex HMAC-SHA256 the proxy puts in v1=."""
    message = "\n".join((t, fingerprint, method, target)).encode("utf-8")
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def parse_signature(header: str):
    """Split "t=...,v1=...[,v1=...]" into (t, [v1, ...]); unknown keys are ignored."""
    t, sigs = "", []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            raise SignatureError("signature header malformed: %r is not key=value" % part)
        if key == "t":
            t = value
        elif key == "v1":
            sigs.append(value)
    if not t or not sigs:
        raise SignatureError("signature header malformed: want t=<unix>,v1=<hex>")
    return t, sigs


def verify(secret, header: str, fingerprint: str, method: str, target: str,
           now: float, skew: float) -> None:
    """Raise SignatureError unless header signs this request within skew of now.

    secret is one key (bytes) or a sequence of keys, any of which may have
    signed it (key rotation).
    """
    secrets = (secret,) if isinstance(secret, (bytes, bytearray)) else tuple(secret)
    t, sigs = parse_signature(header)
    try:
        signed_at = int(t)
    except ValueError:
        raise SignatureError("signature header malformed: t=%r is not a Unix time" % t) from None
    if abs(now - signed_at) > skew:
        raise SignatureError("signature timestamp %ds away from now, allowed %ds"
                             % (now - signed_at, skew))
    # Compare every candidate with every key, so that the time taken does
    # not depend on which one matched.
    ok = False
    for key in secrets:
        want = sign(key, t, fingerprint, method, target).encode("ascii")
        for s in sigs:
            ok |= hmac.compare_digest(s.encode("ascii", "replace"), want)
    if not ok:
        raise SignatureError("signature does not match")


def request_target(request) -> str:
    """The origin-form target exactly as the proxy sent it (and signed it).

    gunicorn keeps the raw target in RAW_URI, uWSGI and mod_wsgi in
    REQUEST_URI; get_full_path() rebuilds it from the decoded path, which
    differs for targets with escapes such as %2F, so it is only the fallback.
    """
    for key in ("RAW_URI", "REQUEST_URI"):
        raw = request.META.get(key)
        if raw and raw.startswith("/"):
            return raw
    return request.get_full_path()


def _meta_key(header: str) -> str:
    return "HTTP_" + header.upper().replace("-", "_")


class MtlsguardMiddleware:
    """Refuse requests without a valid mtlsguard signature; set request.mtls_identity."""

    clock = staticmethod(time.time)  # replaced in tests

    def __init__(self, get_response):
        self.get_response = get_response
        self.secrets = load_secrets(getattr(settings, "MTLSGUARD_SIGN_SECRET", ""))
        header = getattr(settings, "MTLSGUARD_SIGN_HEADER", DEFAULT_SIGN_HEADER)
        self.sign_header = header
        self.sign_key = _meta_key(header)
        self.skew = float(getattr(settings, "MTLSGUARD_MAX_SKEW_SECONDS", DEFAULT_MAX_SKEW_SECONDS))
        self.exempt = frozenset(getattr(settings, "MTLSGUARD_EXEMPT_PATHS", ()))

    def __call__(self, request):
        if request.path in self.exempt:
            request.mtls_identity = None
            return self.get_response(request)
        try:
            request.mtls_identity = self.identify(request)
        except SignatureError as err:
            return JsonResponse(
                {"type": PROBLEM_TYPE, "title": "Request did not come through mtlsguard",
                 "status": 403, "detail": str(err)},
                status=403, content_type="application/problem+json")
        return self.get_response(request)

    def identify(self, request) -> MTLSIdentity:
        """Verify the signature and return the identity the proxy forwarded."""
        meta = request.META
        header = meta.get(self.sign_key, "")
        if not header:
            raise SignatureError("no %s header" % self.sign_header)
        if meta.get("HTTP_X_SSL_CLIENT_VERIFY") != "SUCCESS":
            raise SignatureError("X-SSL-Client-Verify is not SUCCESS")
        fingerprint = meta.get("HTTP_X_SSL_CLIENT_FINGERPRINT", "")
        verify(self.secrets, header, fingerprint, request.method, request_target(request),
               self.clock(), self.skew)
        check_client_cert(meta.get("HTTP_CLIENT_CERT", ""), fingerprint)
        uris = meta.get("HTTP_X_SSL_CLIENT_SAN_URI", "").split(",")
        return MTLSIdentity(
            cn=meta.get("HTTP_X_SSL_CLIENT_S_DN_CN", ""),
            dn=meta.get("HTTP_X_SSL_CLIENT_S_DN", ""),
            fingerprint=fingerprint,
            spiffe=next((u for u in uris if u.startswith("spiffe://")), ""),
        )


def load_secrets(setting):
    """Turn MTLSGUARD_SIGN_SECRET (a str or a list of str) into keys, or raise ImproperlyConfigured."""
    values = [setting] if isinstance(setting, (str, bytes)) else list(setting or [])
    keys = tuple(v.encode("utf-8") if isinstance(v, str) else bytes(v) for v in values if v)
    if not keys:
        raise ImproperlyConfigured(
            "MTLSGUARD_SIGN_SECRET is empty: set it to the proxy's identity.sign_secret (the same value, "
            "at least %d bytes), or remove MtlsguardMiddleware from MIDDLEWARE" % MIN_SECRET_BYTES)
    for i, key in enumerate(keys):
        if len(key) < MIN_SECRET_BYTES:
            raise ImproperlyConfigured(
                "MTLSGUARD_SIGN_SECRET key %d has %d bytes: the proxy requires at least %d; "
                "use the proxy's identity.sign_secret" % (i + 1, len(key), MIN_SECRET_BYTES))
    return keys


def check_client_cert(value: str, fingerprint: str) -> None:
    """Raise SignatureError unless an RFC 9440 Client-Cert value hashes to fingerprint.

    An absent header passes: the proxy may be configured not to forward it.
    """
    if not value:
        return
    if len(value) < 2 or value[0] != ":" or value[-1] != ":":
        raise SignatureError("Client-Cert is not an RFC 9440 byte sequence")
    try:
        der = base64.b64decode(value[1:-1], validate=True)
    except ValueError:
        raise SignatureError("Client-Cert is not base64") from None
    if not hmac.compare_digest(hashlib.sha256(der).hexdigest(), fingerprint):
        raise SignatureError("Client-Cert does not match X-SSL-Client-Fingerprint")
