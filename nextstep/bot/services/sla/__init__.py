"""The SLA runtime: the pure sweep (`engine.sla`) fed from the mirror and applied to the outbox.

`sweep_run.run_sweep` reads the inputs (`inputs`), calls `engine.sla.sweep.sweep`, and applies
its actions (`apply`) in one transaction per batch; `presses` does what the escalation cards'
buttons say; `reports` sends the morning digest, `/team` and `/health`.
"""
