import sys

if "rasa" in sys.modules:  # a Rasa process (server, shell, test, train) imports this package for its components
    from bot.rasa_speedups import install

    install()
