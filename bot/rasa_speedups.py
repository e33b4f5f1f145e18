"""Rasa checks every answer of the action server with ``jsonschema.validate(result, schema)``, which first
checks the (constant) schema itself against the Draft 2020-12 meta-schema: about 18 ms of every custom
action on these cores, before the answer is even looked at. A matching turn runs two or three custom
actions (the form's validation, its question or the matches, and at the start action_start_matching),
so that check was about 40 % of the turn; a search turn runs one.

``install()`` gives ``RemoteAction`` the same check with the validator built once (the schema checked
once, at install): every answer is still validated against the same schema; an answer that fails goes
through Rasa's own method, so the error raised and its message are Rasa's. Installed in every process
that runs Rasa (``bot/__init__.py``: Rasa imports this package for the custom NLU components); nothing
changes for a process without Rasa (the action server, the eligibility service)."""

from __future__ import annotations

from typing import Any, Callable, Dict

MARK = "_policybot_checked_once"


def install() -> bool:
    """Patch ``rasa.core.actions.action.RemoteAction`` (idempotent). False when Rasa is not importable."""
    try:
        from jsonschema import validators
        from rasa.core.actions.action import RemoteAction
    except ImportError:
        return False
    if getattr(RemoteAction, MARK, False):
        return True
    spec_of = RemoteAction.action_response_format_spec
    schema = spec_of()
    cls = validators.validator_for(schema)
    cls.check_schema(schema)
    validator = cls(schema)
    stock: Callable[[Any, Dict[str, Any]], bool] = RemoteAction._validate_action_result

    def _validate_action_result(self: Any, result: Dict[str, Any]) -> bool:
        if type(self).action_response_format_spec is spec_of and validator.is_valid(result):
            return True
        return stock(self, result)  # Rasa's own check: its ValidationError and message

    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
    setattr(RemoteAction, MARK, True)
    return True
