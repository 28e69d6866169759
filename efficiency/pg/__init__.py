"""The PostgreSQL backend of Django with a health check that costs no round trip (issue #17)."""
