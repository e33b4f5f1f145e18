"""政策通: the command line and the process supervisor that tie the packages together."""
