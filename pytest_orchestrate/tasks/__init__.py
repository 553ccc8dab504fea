"""What a task type touches: the registry and ``Result``, the workspace (the only writer of target
files), processes, retries, templates, generated-file ownership, the built-in handlers and the
checkpoint checks. No pytest objects: ``session`` hands tasks their workspace and settings.
"""
