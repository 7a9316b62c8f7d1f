"""Rules beyond the call process: hand-offs, linked deals, date rules, recycling and NPS.

Pure like the rest of the engine: `dispatch.apply_rules(event, deal, playbook, ctx)` returns the
effects; the runtime performs them and keeps each deal's `RuleState` (hand-off progress, timers,
once-only keys) between events.
"""
