"""The AgentRun runtime API, emulated: state in ``state.py``, HTTP in ``routes.py``."""
