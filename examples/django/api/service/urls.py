"""URL routes of the example API; openapi.yaml describes the same operations."""
from django.urls import path

from . import views

urlpatterns = [
    path("healthz", views.healthz),
    path("api/ping", views.ping),
    path("api/slow", views.slow),
    path("api/items", views.items),
    path("api/upload", views.upload),
    path("api/admin/users", views.admin_users),
    path("api/whoami", views.whoami),
]
