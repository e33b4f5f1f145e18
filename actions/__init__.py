"""Rasa SDK actions: thin adapters from the conversation to the knowledge search and the eligibility
service. No business logic lives here: it is in `search/` (the corpus in `knowledge/`) and `eligibility/`."""
