"""The engine: given an event and a deal's state, the playbook says what should happen.

Pure: no I/O, no clock (the time comes in `Context`), so it is tested with plain data and can
replay history. `engine.decide` is the entry point; the executor performs the effects.
"""
