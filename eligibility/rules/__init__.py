"""The rule model: typed conditions read from the rule files (knowledge/rules), evaluated three-valued."""
