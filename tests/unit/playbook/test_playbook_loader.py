"""A bad playbook file is answered with every problem at its line: FILE:LINE: key.path: message."""

from __future__ import annotations

from pathlib import Path

import pytest

from nextstep.bot.cli import main
from nextstep.bot.playbook.loader import PlaybookError, load_playbook, parse_playbook
from nextstep.bot.playbook.refs import StageKeyword
from tests.unit.playbook.playbook_world import DEFAULT_PLAYBOOK

GOOD = """\
name: Test
call_task:
  text: Позвонить
  due: 1d
outcomes:
  reached:
    label: outcome.reached
    task_result: "Итог: {result}"
"""


def problems(text: str) -> list[str]:
    with pytest.raises(PlaybookError) as caught:
        parse_playbook(text, source="pb.yaml")
    return [str(p) for p in caught.value.problems]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("  due: 1d", "  due: 2 weeks", "pb.yaml:4: call_task.due: expected a duration"),
        ("  due: 1d", "  due: [1d]", "pb.yaml:4: call_task.due: expected a duration"),
        ("name: Test", "name: Test\ncolour: red", "pb.yaml:2: colour: unknown key; known keys"),
        (
            "    label: outcome.reached",
            "    label: outcome.reached\n    requre_result_text: true",
            "pb.yaml:8: outcomes.reached.requre_result_text: unknown key; known keys here: "
            "label, note, task_result, next_task, move, require_result_text",
        ),
        (
            "    label: outcome.reached",
            "    label: outcome.reached\n    require_result_text: [yes]",
            "pb.yaml:8: outcomes.reached.require_result_text: Input should be a valid boolean",
        ),
        (
            '    task_result: "Итог: {result}"',
            "    task_result: no",
            "pb.yaml:8: outcomes.reached.task_result: expected a text, got False",
        ),
        (
            '"Итог: {result}"',
            '"Итог: {reslt}"',
            "pb.yaml:8: outcomes.reached.task_result: unknown placeholder {reslt}",
        ),
        (
            "    label: outcome.reached",
            "    label: outcome.reached\n    move: frist_working",
            "pb.yaml:8: outcomes.reached.move: unknown stage keyword 'frist_working'",
        ),
        (
            "    label: outcome.reached\n",
            "",
            "pb.yaml:6: outcomes.reached.label: required key is missing",
        ),
        (
            "name: Test",
            "name: Test\nno_answer_ladder:\n  - next_task: {due: 2h}\n  - salesbot: 5",
            "pb.yaml:4: no_answer_ladder.1: a ladder step needs a next_task or a move",
        ),
        (
            "name: Test",
            "name: Test\nloss_reasons: [Дорого, 7]",
            "pb.yaml:2: loss_reasons.1: Input should be a valid string",
        ),
        ("call_task:", "call_task: 5\nx:", "pb.yaml:2: call_task: expected a mapping"),
        ("name: Test", "name: Test\nname: Again", "pb.yaml:2: name: duplicate key"),
        (
            "  due: 1d",
            "  due: 1d\n  text: [a, b",
            "pb.yaml:6: YAML syntax error at column 9: expected ',' or ']', but got ':' "
            "(while parsing a flow sequence opened at line 5)",
        ),
    ],
    ids=[
        "bad duration",
        "duration of wrong type",
        "unknown key",
        "unknown nested key",
        "wrong type",
        "yaml no as false",
        "unknown placeholder",
        "unknown stage keyword",
        "missing key",
        "ladder step leads nowhere",
        "list item type",
        "section not a mapping",
        "duplicate key",
        "yaml syntax error",
    ],
)
def test_located_errors(old: str, new: str, expected: str) -> None:
    assert old in GOOD
    found = problems(GOOD.replace(old, new, 1))
    assert any(p.startswith(expected) for p in found), found


def test_no_answer_next_step_is_set_in_one_place() -> None:
    ladder = "no_answer_ladder:\n  - {move: lost}\n"
    no_answer = "  no_answer: {label: l, task_result: r%s}\n"
    assert parse_playbook(GOOD + no_answer % "" + ladder).outcomes.no_answer is not None
    found = problems(GOOD + no_answer % ", next_task: {due: 1h}" + ladder)
    assert found[0].startswith("pb.yaml:1: outcomes.no_answer: with a no_answer_ladder")
    found = problems(GOOD + no_answer % "")
    assert found[0].startswith("pb.yaml:1: outcomes.no_answer needs a next_task")


def test_every_problem_is_listed_in_line_order() -> None:
    text = GOOD.replace("due: 1d", "due: soon").replace("name: Test", "name: Test\nfoo: 1")
    found = problems(text)
    assert [p.split(":")[1] for p in found] == ["2", "5"]


@pytest.mark.parametrize("text", ["", "- a\n- b\n", "just text\n"])
def test_not_a_mapping(text: str) -> None:
    assert problems(text) == ["pb.yaml:1: expected a mapping of sections (name: ..., ...)"]


@pytest.mark.parametrize(
    "planned",
    ["handoffs", "linked_deals", "date_rules", "recycling"],
)
def test_rule_sections_accept_empty_and_refuse_unknown_keys(planned: str) -> None:
    assert getattr(parse_playbook(f"{GOOD}{planned}: {{}}\n"), planned).rules == ()
    assert problems(f"{GOOD}{planned}:\n  rule: 1\n") == [
        f"pb.yaml:10: {planned}.rule: unknown key; known keys here: rules"
    ]


def test_unquoted_morning_time_is_read_as_a_time() -> None:
    playbook = parse_playbook(GOOD + "working_morning: 9:30\n")
    assert (playbook.working_morning.hour, playbook.working_morning.minute) == (9, 30)


def test_default_playbook_refers_by_position_only() -> None:
    playbook = load_playbook(DEFAULT_PLAYBOOK)
    take = playbook.take_into_work
    refs = [*take.new_stages, take.move_to]
    assert all(r is not None and r.stage is None and r.pipeline is None for r in refs)
    assert len(playbook.outcomes.offered()) == 4
    assert playbook.outcomes.reached is not None
    assert playbook.outcomes.reached.require_result_text
    assert [s.move.kind if s.move else None for s in playbook.no_answer_ladder] == [
        None,
        None,
        StageKeyword.LOST,
    ]


def test_check_command_ok(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["playbook", "check", str(DEFAULT_PLAYBOOK)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("OK: Nextstep default — 4 outcomes, ladder of 3 steps")


def test_check_command_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD.replace("due: 1d", "due: 1y"), encoding="utf-8")
    assert main(["playbook", "check", str(bad)]) == 1
    assert f"{bad}:4: call_task.due: expected a duration" in capsys.readouterr().err


def test_check_command_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["playbook", "check", str(tmp_path / "none.yaml")]) == 1
    assert "cannot read the file" in capsys.readouterr().err
