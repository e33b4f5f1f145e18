import sys

if "rasa" in sys.modules:  # a Rasa process (server, shell, test, train) imports this package for its components
    from bot.rasa_speedups import install
    from privacy.logging import capture_warnings

    install()
    capture_warnings()  # Rasa quotes an unparsable "/intent{...}" message whole in a warning: mask it
