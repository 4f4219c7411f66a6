"""The example API that mtlsguard protects: a typical small Django JSON API."""
