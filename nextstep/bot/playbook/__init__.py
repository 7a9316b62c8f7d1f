"""The playbook: the sales regulation as a YAML file, validated, then resolved to CRM ids.

`loader.load_playbook` reads and validates a file (errors located by line), `resolve.resolve`
binds its stage and pipeline references to one CRM account, and the engine runs the result.
"""
