"""Tests of mtlsguard_middleware against signatures made by the Go proxy.

testdata/signature_vectors.json is written by the Go test
examples/django/e2e (go test -run TestSignatureVectors -update) from
identity.Sign, and checked against it on every Go run, so passing here
proves that the proxy and this middleware compute the same signature.

Run: cd examples/django/api && python3 -m unittest -v test_mtlsguard_middleware
"""
import base64
import hashlib
import json
import os
import unittest

import django
from django.conf import settings

if not settings.configured:
    settings.configure(
        ALLOWED_HOSTS=["testserver"],
        MTLSGUARD_SIGN_SECRET="x" * 32,
        MTLSGUARD_EXEMPT_PATHS=("/healthz",),
        MTLSGUARD_MAX_SKEW_SECONDS=30,
    )
    django.setup()

from django.core.exceptions import ImproperlyConfigured  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import RequestFactory, override_settings  # noqa: E402

import mtlsguard_middleware as mw  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
VECTORS = os.environ.get("MTLSGUARD_VECTORS", os.path.join(HERE, "testdata", "signature_vectors.json"))
DER = b"\x30\x03\x02\x01\x01"  # stands for a certificate: only its hash is checked
FINGERPRINT = hashlib.sha256(DER).hexdigest()


def load_vectors():
    with open(VECTORS, encoding="utf-8") as f:
        return json.load(f)["vectors"]


class GoVectors(unittest.TestCase):
    """The Python HMAC equals the Go one, byte for byte."""

    def test_sign_matches_go(self):
        vectors = load_vectors()
        self.assertGreaterEqual(len(vectors), 5)
        for v in vectors:
            with self.subTest(name=v["name"]):
                t, sigs = mw.parse_signature(v["header"])
                self.assertEqual(t, str(v["unix"]))
                got = mw.sign(v["secret"].encode("utf-8"), t, v["fingerprint"], v["method"], v["target"])
                self.assertEqual(sigs, [got])

    def test_verify_accepts_go_header(self):
        for v in load_vectors():
            with self.subTest(name=v["name"]):
                mw.verify(v["secret"].encode("utf-8"), v["header"], v["fingerprint"],
                          v["method"], v["target"], now=v["unix"] + 30, skew=30)

    def test_verify_refuses_changed_request(self):
        v = load_vectors()[0]
        secret = v["secret"].encode("utf-8")
        changes = {
            "method": (v["fingerprint"], "DELETE", v["target"], secret),
            "target": (v["fingerprint"], v["method"], v["target"] + "?admin=1", secret),
            "fingerprint": ("0" * 64, v["method"], v["target"], secret),
            "secret": (v["fingerprint"], v["method"], v["target"], secret + b"!"),
        }
        for name, (fp, method, target, key) in changes.items():
            with self.subTest(change=name):
                with self.assertRaisesRegex(mw.SignatureError, "^signature does not match$"):
                    mw.verify(key, v["header"], fp, method, target, now=v["unix"], skew=30)

    def test_verify_refuses_outside_skew(self):
        v = load_vectors()[0]
        for now in (v["unix"] + 31, v["unix"] - 31):
            with self.subTest(now=now):
                with self.assertRaisesRegex(mw.SignatureError, "allowed 30s$"):
                    mw.verify(v["secret"].encode("utf-8"), v["header"], v["fingerprint"],
                              v["method"], v["target"], now=now, skew=30)

    def test_parse_refuses_malformed(self):
        for header in ("", "t=1", "v1=ab", "t=1;v1=ab", "garbage"):
            with self.subTest(header=header):
                with self.assertRaisesRegex(mw.SignatureError, "^signature header malformed"):
                    mw.parse_signature(header)


class Middleware(unittest.TestCase):
    """The middleware admits signed requests and refuses the rest with 403."""

    NOW = 1_800_000_000
    SECRET = b"x" * 32

    def setUp(self):
        self.seen = []
        self.mw = mw.MtlsguardMiddleware(self.view)
        self.mw.clock = lambda: self.NOW
        self.rf = RequestFactory()

    def view(self, request):
        self.seen.append(request.mtls_identity)
        return HttpResponse("ok")

    def signed(self, path, method="GET", t=None, secret=None, **extra):
        t = str(self.NOW if t is None else t)
        target = path
        mac = mw.sign(secret or self.SECRET, t, FINGERPRINT, method, target)
        meta = {
            "HTTP_X_SSL_CLIENT_VERIFY": "SUCCESS",
            "HTTP_X_SSL_CLIENT_S_DN": "CN=alice,OU=dev",
            "HTTP_X_SSL_CLIENT_S_DN_CN": "alice",
            "HTTP_X_SSL_CLIENT_FINGERPRINT": FINGERPRINT,
            "HTTP_X_SSL_CLIENT_SAN_URI": "https://example.com/x,spiffe://example.org/alice",
            "HTTP_CLIENT_CERT": ":" + base64.b64encode(DER).decode() + ":",
            "HTTP_X_MTLSGUARD_SIGNATURE": "t=%s,v1=%s" % (t, mac),
        }
        meta.update(extra)
        meta = {k: v for k, v in meta.items() if v is not None}
        return self.rf.generic(method, path, **meta)

    def assert_refused(self, request, detail):
        res = self.mw(request)
        self.assertEqual(res.status_code, 403)
        self.assertEqual(res["Content-Type"], "application/problem+json")
        body = json.loads(res.content)
        self.assertEqual(body["type"], mw.PROBLEM_TYPE)
        self.assertEqual(body["status"], 403)
        self.assertRegex(body["detail"], detail)
        self.assertEqual(self.seen, [])

    def test_admits_signed_request(self):
        res = self.mw(self.signed("/api/items?page=2&sort=-name", method="POST"))
        self.assertEqual(res.status_code, 200)
        self.assertEqual(self.seen, [mw.MTLSIdentity(
            cn="alice", dn="CN=alice,OU=dev", fingerprint=FINGERPRINT, spiffe="spiffe://example.org/alice")])

    def test_prefers_raw_uri(self):
        # gunicorn's RAW_URI keeps %2F; get_full_path() would decode it.
        req = self.signed("/api/files/a%2Fb")
        self.assertEqual(req.get_full_path(), "/api/files/a/b")
        req.META["RAW_URI"] = "/api/files/a%2Fb"
        self.assertEqual(self.mw(req).status_code, 200)

    def test_exempt_path_needs_no_signature(self):
        res = self.mw(self.rf.get("/healthz"))
        self.assertEqual(res.status_code, 200)
        self.assertEqual(self.seen, [None])

    def test_refusals(self):
        cases = {
            "no signature": (self.signed("/api/whoami", HTTP_X_MTLSGUARD_SIGNATURE=None),
                             "^no X-Mtlsguard-Signature header$"),
            "forged signature": (self.signed("/api/whoami", HTTP_X_MTLSGUARD_SIGNATURE="t=%d,v1=%s" % (self.NOW, "0" * 64)),
                                 "^signature does not match$"),
            "other secret": (self.signed("/api/whoami", secret=b"y" * 32), "^signature does not match$"),
            "stale": (self.signed("/api/whoami", t=self.NOW - 31), "allowed 30s$"),
            "not verified": (self.signed("/api/whoami", HTTP_X_SSL_CLIENT_VERIFY="NONE"), "not SUCCESS$"),
            "fingerprint swapped": (self.signed("/api/whoami", HTTP_X_SSL_CLIENT_FINGERPRINT="ab" * 32),
                                    "^signature does not match$"),
            "client cert swapped": (self.signed("/api/whoami", HTTP_CLIENT_CERT=":" + base64.b64encode(b"other").decode() + ":"),
                                    "does not match X-SSL-Client-Fingerprint$"),
        }
        for name, (req, detail) in cases.items():
            with self.subTest(case=name):
                self.seen = []
                self.assert_refused(req, detail)

    def test_rotation_accepts_old_and_new_key(self):
        new, old = b"n" * 32, self.SECRET
        with override_settings(MTLSGUARD_SIGN_SECRET=[new.decode(), old.decode()]):
            m = mw.MtlsguardMiddleware(self.view)
        m.clock = lambda: self.NOW
        for key in (new, old):
            with self.subTest(key=key[:1]):
                self.assertEqual(m(self.signed("/api/whoami", secret=key)).status_code, 200)
        self.assertEqual(m(self.signed("/api/whoami", secret=b"z" * 32)).status_code, 403)

    def test_bad_secret_is_a_configuration_error(self):
        cases = {"": "is empty", None: "is empty", (): "is empty",
                 "short": "key 1 has 5 bytes", ("x" * 32, "short"): "key 2 has 5 bytes"}
        for value, message in cases.items():
            with self.subTest(value=value):
                with override_settings(MTLSGUARD_SIGN_SECRET=value):
                    with self.assertRaisesRegex(ImproperlyConfigured, message):
                        mw.MtlsguardMiddleware(self.view)

if __name__ == "__main__":
    unittest.main()
