"""Views of the example API.

They are written the way many real APIs are, weaknesses included, so that
the end-to-end test can show which of them mtlsguard covers at the edge:
items() parses any JSON it is given (json.loads recurses, so deep nesting
raises RecursionError, a 500); admin_users() forgets to check the caller's
role; whoami() trusts an identity header.
"""
import hashlib
import json
import time

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

UPLOAD_CHUNK = 64 * 1024


@require_GET
def healthz(request):
    return JsonResponse({"status": "ok"})


@require_GET
def ping(request):
    return JsonResponse({"pong": True})


@require_GET
def slow(request):
    time.sleep(0.2)  # a report, a search: 200 ms of a sync worker
    return JsonResponse({"slow": True})


@csrf_exempt
@require_POST
def items(request):
    try:
        item = json.loads(request.body)
    except ValueError as err:  # RecursionError is not a ValueError: deep JSON is a 500
        return JsonResponse({"error": "invalid JSON: %s" % err}, status=400)
    return JsonResponse({"created": True, "kind": type(item).__name__}, status=201)


@csrf_exempt
@require_POST
def upload(request):
    digest, size = hashlib.sha256(), 0
    while True:
        chunk = request.read(UPLOAD_CHUNK)
        if not chunk:
            break
        digest.update(chunk)
        size += len(chunk)
    return JsonResponse({"bytes": size, "sha256": digest.hexdigest()}, status=201)


@require_GET
def admin_users(request):
    # No role check here: the app relies on whoever is in front of it.
    return JsonResponse({"users": [{"name": "alice"}, {"name": "bob"}, {"name": "admin"}]})


@require_GET
def whoami(request):
    verified = getattr(request, "mtls_identity", None)
    return JsonResponse({
        # What most apps do: believe the header. WSGI fills this key from
        # X-SSL-Client-S-DN-CN and from X_SSL_Client_S_DN_CN alike.
        "cn": request.META.get("HTTP_X_SSL_CLIENT_S_DN_CN", ""),
        # What the middleware verified, when it is enabled.
        "verified": None if verified is None else {
            "cn": verified.cn, "dn": verified.dn,
            "fingerprint": verified.fingerprint, "spiffe": verified.spiffe,
        },
    })
