"""The `nps` section: an outcome set of 0–10 buttons on "collect NPS" tasks (stories 000, 003).

The score is written to a field and the task completed; 9–10 → a task to ask for a public review;
lower → a task to ask what went wrong, and the head is told.

```yaml
nps:
  task_text: ["NPS", "Собрать отзыв"]   # a task whose text contains one of these is an NPS task
  field: "NPS"                          # where the score is written
  promoter_from: 9
  result: "NPS: {score}"
  promoter_task: {text: "Попросить отзыв на картах", due: 1d}
  detractor_task: {text: "Узнать, что пошло не так", due: 2h}
  tell_head: true                       # on a score below promoter_from
  salesbot_promoter: 321                # optional: a Salesbot sends the review link
```
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PositiveInt, field_validator

from nextstep.bot.playbook.calls import TaskSpec
from nextstep.bot.playbook.sections.rule_common import norm
from nextstep.bot.playbook.texts import TextSpec

SCORES = tuple(range(11))


class Nps(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    task_text: tuple[str, ...] = ("NPS",)
    task_type: PositiveInt | None = None  # or: every task of this CRM type is an NPS task
    field: str | None = Field(default="NPS", min_length=1)
    promoter_from: int = Field(default=9, ge=1, le=10)
    result: TextSpec = TextSpec(text="NPS: {score}")
    promoter_task: TaskSpec | None = TaskSpec(
        text=TextSpec(text="Попросить оставить публичный отзыв"), due=timedelta(days=1)
    )
    detractor_task: TaskSpec | None = TaskSpec(
        text=TextSpec(text="Узнать, что пошло не так (NPS {score})"), due=timedelta(hours=2)
    )
    tell_head: bool = True
    salesbot_promoter: PositiveInt | None = None

    @field_validator("task_text", mode="before")
    @classmethod
    def _one(cls, value: Any) -> Any:
        return (value,) if isinstance(value, str) else value

    def is_nps_task(self, text: str, task_type_id: int) -> bool:
        if self.task_type is not None and task_type_id == self.task_type:
            return True
        if self.is_follow_up(text):
            return False
        return any(norm(marker) in norm(text) for marker in self.task_text if marker.strip())

    def is_follow_up(self, text: str) -> bool:
        """A task this section set after a score (its text up to the first placeholder): not
        a "collect NPS" task again, though the default detractor task says "(NPS 6)"."""
        for spec in (self.promoter_task, self.detractor_task):
            literal = spec.text.text if spec is not None and spec.text is not None else None
            head = norm((literal or "").split("{", 1)[0])
            if head and norm(text).startswith(head):
                return True
        return False

    def is_promoter(self, score: int) -> bool:
        return score >= self.promoter_from
