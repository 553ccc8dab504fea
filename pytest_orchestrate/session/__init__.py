"""Everything that knows ``pytest.Config``, items or reports: options and stash keys, the loaded
roadmap context, the collected nodes, the engine (selection, order, blocked reasons, records), the
cache state, the terminal tables and the xdist scheduler.
"""
