"""Published AIAE agents, emulated: state and scripts in ``state.py``, HTTP in ``routes.py``."""
