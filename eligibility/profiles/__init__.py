"""Profiles: the data account of enterprises (统一社会信用代码) and citizens (身份证号)."""
