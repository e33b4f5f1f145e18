"""Clients of the systems the service talks to (Rasa)."""
