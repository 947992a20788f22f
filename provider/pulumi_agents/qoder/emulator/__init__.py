"""Qoder cloud agents, emulated: state in ``state.py``, HTTP in ``routes.py``."""
