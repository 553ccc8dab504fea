"""What a roadmap is, without pytest: the schema, loading with located errors, names, and the graph.

``load.load_roadmap`` turns a YAML file into ``model.Roadmap``; ``graph.build_graph`` gives its
dependencies, order and critical path; ``keys`` names phases, groups, checkpoints and node ids.
"""
