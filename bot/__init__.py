import sys

if "rasa" in sys.modules:  # a Rasa process (server, shell, test, train) imports this package for its components
    from bot.action_failure import install as apologise_for_failed_actions
    from bot.rasa_speedups import install
    from privacy.logging import capture_warnings

    install()
    apologise_for_failed_actions()  # a custom action that cannot run: one polite sentence, not silence
    capture_warnings()  # Rasa quotes an unparsable "/intent{...}" message whole in a warning: mask it
