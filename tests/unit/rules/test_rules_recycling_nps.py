"""Lost-deal recycling by reason (story 001) and NPS buttons (stories 000, 003)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from nextstep.bot.engine.effects import (
    AddNote,
    CompleteTask,
    CreateTask,
    MoveStage,
    RefreshCards,
    Role,
)
from nextstep.bot.engine.rules.effects import (
    CreateLinkedDeal,
    CreateRuleTask,
    ReassignTo,
    Remember,
    ResponsibleChoice,
    RuleRejectReason,
    Tell,
    TellKind,
    WriteField,
)
from nextstep.bot.engine.rules.events import FieldsChanged, NpsScore, StageChanged
from nextstep.bot.engine.rules.facts import DealFacts, RuleState
from nextstep.bot.engine.rules.nps import nps_buttons
from nextstep.bot.engine.state import OpenTask
from nextstep.bot.playbook.loader import parse_playbook
from nextstep.bot.playbook.resolve import resolve
from nextstep.bot.playbook.sections.rule_common import ResponsibleKind
from nextstep.crm_client.models import LOST_STATUS_ID
from tests.unit.playbooks.businesses import COURSES_KOMMO as CK
from tests.unit.playbooks.businesses import QUEST_ROOMS
from tests.unit.rules.rules_world import MANAGER, NOW, facts, run

RP = CK.resolved()
OFFER = CK.stage("Sales", "Offer sent")


def lost(reason: str, **fields: object) -> DealFacts:
    return facts(
        CK,
        "Sales",
        LOST_STATUS_ID,
        loss_reason=reason,
        fields={"Course": "SMM", **fields},
        price=300,
    )


def lose(deal: DealFacts) -> list[CreateLinkedDeal]:
    decision = run(StageChanged(CK.pipe("Sales").id, OFFER), deal, RP)
    return decision.of(CreateLinkedDeal)


def test_a_short_term_refusal_goes_to_another_manager_in_the_same_pipeline() -> None:
    decision = run(StageChanged(CK.pipe("Sales").id, OFFER), lost("Not now"), RP)
    (copy,) = decision.of(CreateLinkedDeal)
    assert (copy.pipeline_id, copy.status_id) == (
        CK.pipe("Sales").id,
        CK.stage("Sales", "New lead"),
    )
    assert copy.responsible == ResponsibleChoice(
        ResponsibleKind.ANOTHER_MANAGER, role="manager", exclude=(MANAGER,)
    )
    assert dict(copy.fields) == {"Course": "SMM", "Recycled": True}
    assert copy.task is not None
    assert copy.task.due == NOW + timedelta(days=1)
    assert decision.of(Remember) == [Remember("recycle")]
    (note,) = decision.of(AddNote)
    assert note.text.params_dict()["reason"] == "Not now"


def test_a_long_term_refusal_is_copied_to_reactivation() -> None:
    (copy,) = lose(lost("No budget this year"))
    assert copy.pipeline_id == CK.pipe("Reactivation").id
    assert copy.status_id == CK.stage("Reactivation", "New")
    assert copy.responsible.kind is ResponsibleKind.ANOTHER_MANAGER


def test_other_reasons_and_recycled_copies_are_left_lost() -> None:
    assert lose(lost("Not interested")) == []
    assert lose(lost("Not now", Recycled=True)) == []
    once = replace(lost("Not now"), state=RuleState(done=frozenset({"recycle"})))
    assert lose(once) == []


def test_a_reason_set_after_the_move_still_recycles() -> None:
    no_reason = replace(lost("Not now"), loss_reason_id=None)
    assert lose(no_reason) == []
    assert len(run(FieldsChanged(), lost("Not now"), RP).of(CreateLinkedDeal)) == 1


def test_reassign_reopens_the_deal_in_place_for_another_manager() -> None:
    text = CK.path.read_text(encoding="utf-8").replace(
        """    action: new_deal
    pipeline: same
    stage: {stage: New lead}
    responsible: another_manager
    deal_name: "Second try: {deal}"
    copy_fields: ["Course"]
    set: {"Recycled": true}
""",
        """    action: reassign
    stage: {stage: Contacted}
""",
    )
    rp = resolve(parse_playbook(text), CK.pipelines, CK.reasons)
    decision = run(StageChanged(CK.pipe("Sales").id, OFFER), lost("Not now"), rp)
    assert decision.of(MoveStage) == [
        MoveStage(CK.pipe("Sales").id, CK.stage("Sales", "Contacted"))
    ]
    assert [r.choice.kind for r in decision.of(ReassignTo)] == [ResponsibleKind.ANOTHER_MANAGER]
    (task,) = decision.of(CreateRuleTask)
    assert task.responsible_user_id is None  # whoever the deal goes to
    assert decision.of(CreateLinkedDeal) == []


QR = QUEST_ROOMS.resolved()
NPS_TASK = OpenTask(8801, NOW, text="Собрать NPS после игры")
OTHER_TASK = OpenTask(8802, NOW, text="Подтвердить игру")


def guest() -> DealFacts:
    return facts(QUEST_ROOMS, "Бронирования", "Игра проведена", open_tasks=(NPS_TASK, OTHER_TASK))


def test_nps_tasks_get_eleven_buttons_and_others_none() -> None:
    assert QR.rules is not None
    assert nps_buttons(NPS_TASK, QR.rules.nps) == tuple(range(11))
    assert nps_buttons(OTHER_TASK, QR.rules.nps) == ()


def test_the_tasks_a_score_sets_get_no_score_buttons_again() -> None:
    """The follow-ups name the score ("… (NPS 5)"): they are not "collect NPS" tasks."""
    assert QR.rules is not None
    for text in ("Узнать, что пошло не так (NPS 5)", "Попросить отзыв на картах (NPS 10)"):
        assert nps_buttons(OpenTask(8803, NOW, text=text), QR.rules.nps) == ()


def test_nps_ten_writes_the_score_and_asks_for_a_public_review() -> None:
    decision = run(NpsScore(NPS_TASK.id, 10), guest(), QR)
    (done,) = decision.of(CompleteTask)
    assert done.task_id == NPS_TASK.id
    assert done.result_text.params_dict()["score"] == 10
    assert decision.of(WriteField) == [WriteField("NPS", 10)]
    assert [t.text.template for t in decision.of(CreateTask)] == [
        "Попросить отзыв на картах (NPS {score})"
    ]
    assert decision.of(Tell) == []
    assert decision.effects[-1] == RefreshCards()


def test_nps_five_asks_what_went_wrong_and_tells_the_head() -> None:
    decision = run(NpsScore(NPS_TASK.id, 5), guest(), QR)
    assert decision.of(WriteField) == [WriteField("NPS", 5)]
    (task,) = decision.of(CreateTask)
    assert task.text.template == "Узнать, что пошло не так (NPS {score})"
    assert task.due == NOW + timedelta(hours=2)
    (told,) = decision.of(Tell)
    assert told.audience == Role("head")
    assert told.kind is TellKind.NPS_LOW


def test_nps_presses_that_do_not_apply_are_refused() -> None:
    cases = [
        (NpsScore(NPS_TASK.id, 11), RuleRejectReason.BAD_SCORE),
        (NpsScore(OTHER_TASK.id, 9), RuleRejectReason.NPS_NOT_OFFERED),
        (NpsScore(9999, 9), RuleRejectReason.TASK_NOT_OPEN),
    ]
    for event, reason in cases:
        rejected = run(event, guest(), QR).rejected
        assert rejected is not None
        assert rejected.reason_key is reason


def test_recycling_closes_the_lost_deals_stale_tasks() -> None:
    stale = (OpenTask(501, NOW, text="Take the new lead into work"), OpenTask(502, NOW))
    deal = replace(lost("Not now"), view=replace(lost("Not now").view, open_tasks=stale))
    decision = run(StageChanged(CK.pipe("Sales").id, OFFER), deal, RP)
    closed = decision.of(CompleteTask)
    assert [c.task_id for c in closed] == [501, 502]
    assert {c.result_text.key for c in closed} == {"rules.recycle.task_closed"}
    assert len(decision.of(CreateLinkedDeal)) == 1
    unlisted = lost("Not interested")
    not_recycled = replace(unlisted, view=replace(unlisted.view, open_tasks=stale))
    assert run(StageChanged(CK.pipe("Sales").id, OFFER), not_recycled, RP).of(CompleteTask) == []


def test_recycling_leaves_other_peoples_tasks_on_the_lost_deal() -> None:
    """The lost deal's manager's tasks are stale; an accountant's invoice task on it is not."""
    base = lost("Not now")
    owner = base.view.responsible_user_id
    mine = OpenTask(601, NOW, text="Call the client", responsible_user_id=owner)
    theirs = OpenTask(602, NOW, text="Send the refund", responsible_user_id=owner + 1)
    deal = replace(base, view=replace(base.view, open_tasks=(mine, theirs)))
    closed = run(StageChanged(CK.pipe("Sales").id, OFFER), deal, RP).of(CompleteTask)
    assert [c.task_id for c in closed] == [601]
