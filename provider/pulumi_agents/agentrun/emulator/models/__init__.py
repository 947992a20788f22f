"""AgentRun's emulated resources, one module per family (see ``state.py``)."""
