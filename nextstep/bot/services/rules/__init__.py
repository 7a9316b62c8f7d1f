"""The rules' runtime: hand-offs, linked deals, date rules, recycling and NPS in the product.

The pure core (`nextstep.bot.engine.rules`) decides; this package feeds it (CRM changes after the
call process's own step, hand-off and NPS buttons, rule timers), keeps each deal's `RuleState`
in `deal_rules`, and performs the decisions through the outbox like every other effect.
"""
