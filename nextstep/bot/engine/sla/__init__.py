"""SLA escalations, work-schedule rules, lead distribution, noise budget and digests (pure).

`sweep.sweep` looks at every mirrored deal once and says which escalation cards to open, edit,
raise, hold or close; the runtime stores the records and timers and sends the cards.
"""
