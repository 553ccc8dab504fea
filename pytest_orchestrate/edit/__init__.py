"""Lossless editors: text in, text out, every untouched byte kept. No pytest, no file I/O.

``yaml`` (round-trip document, splice, paths) and ``workflow`` (GitHub Actions actions and their
checks); ``treesitter``-based ``json`` and ``jest`` (jest.config.* and package.json). ``yaml12`` is
the YAML 1.2 loader the roadmap loader shares.
"""
