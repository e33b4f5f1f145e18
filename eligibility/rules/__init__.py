"""The rule model: typed conditions read from the knowledge YAML, evaluated three-valued."""
