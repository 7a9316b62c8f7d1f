"""Use cases called by handlers and jobs alike; each owns its transaction (see bot-layer.md)."""
