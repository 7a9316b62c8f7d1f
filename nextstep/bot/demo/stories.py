"""Story scenarios for the customer playbooks, by playbook name (`nextstep demo --playbook`)."""

from __future__ import annotations

from nextstep.bot.demo.script import Script
from nextstep.bot.demo.story_courses import courses_day
from nextstep.bot.demo.story_design import design_studio_handoff
from nextstep.bot.demo.story_quest import quest_rooms_day
from nextstep.bot.demo.story_school import online_school_day
from nextstep.bot.demo.story_training import training_center_chain

SCRIPTS: dict[str, Script] = {
    "design-studio": design_studio_handoff,
    "online-school": online_school_day,
    "training-center": training_center_chain,
    "courses-kommo": courses_day,
    "quest-rooms": quest_rooms_day,
}
