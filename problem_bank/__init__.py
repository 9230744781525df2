"""The shared cross-region problem bank (taxonomy, projection, search, statistics).

Empty until the problem-bank issue fills it; it exists now so that the package
layout and the import direction (backend → problem_bank → tenants) are fixed.
"""
