"""Story scenarios for the customer playbooks, by playbook name (`nextstep demo --playbook`)."""

from __future__ import annotations

from nextstep.bot.demo.script import Script
from nextstep.bot.demo.story_design import design_studio_handoff

SCRIPTS: dict[str, Script] = {"design-studio": design_studio_handoff}
