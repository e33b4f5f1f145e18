"""The HTTP API (FastAPI): request schemas, error handling, routes."""
