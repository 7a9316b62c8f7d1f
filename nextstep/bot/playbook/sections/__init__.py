"""Playbook sections beyond the call process: SLA, schedules, distribution, guards, hand-offs,
linked deals, date rules, recycling, NPS."""
