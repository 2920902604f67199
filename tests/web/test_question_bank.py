"""The question bank and flow services, called directly (no pages).

Each test gets the demo's outcome framework and area (loaded by the same functions as
``flask demo``, without its starter questions, users and translations, to stay fast), an
advisor who writes and a researcher who reviews, and works inside one app context on
``db.session``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.support.staff import make_staff
from voice_app import demo, flows
from voice_app import question_bank as bank
from voice_app.extensions import db
from voice_app.journey import (
    JourneyError,
    accepts_answers,
    find_open_session,
    open_session,
)
from voice_app.models import (
    AnswerFormat,
    Area,
    Audience,
    AudioClip,
    Flow,
    FlowStatus,
    GroupSession,
    OutcomeFramework,
    QuestionOptionLabel,
    QuestionVersion,
    QuestionVersionEvent,
    ReviewState,
    Role,
    SessionStatus,
    StaffUser,
    VersionAction,
    VersionStatus,
    utcnow,
)
from voice_app.question_bank import StudioError
from voice_app.session_codes import new_session_code

CHILD, YOUNG, LITTLE = Audience.CHILD_8_12, Audience.YOUNG_13_17, Audience.CHILD_4_7


@dataclass
class Bank:
    session: Session
    author: StaffUser
    reviewer: StaffUser
    framework: OutcomeFramework

    def domain(self, key: str) -> int:
        return next(d.id for d in self.framework.domains if d.key == key)

    def write(
        self,
        wording: str = "Do you feel safe at home?",
        *,
        audiences: tuple[Audience, ...] = (CHILD,),
        answer_format: AnswerFormat = AnswerFormat.YES_MAYBE_NO,
        options: tuple[str, ...] = (),
        help_text: str = "",
    ) -> QuestionVersion:
        draft = bank.QuestionDraft(
            answer_format,
            [bank.TextDraft(a, wording, help_text) for a in audiences],
            [self.domain("feeling_safe")],
            [bank.OptionDraft(dict.fromkeys(audiences, label)) for label in options],
        )
        return bank.create_question(self.session, draft, self.author, self.framework.id)

    def approved(self, wording: str = "Do you feel safe at home?", **kw) -> QuestionVersion:
        version = self.write(wording, **kw)
        bank.propose(self.session, version, self.author)
        bank.approve(self.session, version, self.reviewer)
        return version

    def flow(self, name: str = "Pilot") -> Flow:
        return flows.create_flow(self.session, name, self.reviewer)

    def positions(self, flow: Flow, audience: Audience = CHILD) -> list[tuple[int, int]]:
        """(position, version id) of an audience's items, as stored."""
        self.session.flush()
        self.session.expire_all()
        return [(i.position, i.version_id) for i in flows.items_for(flow, audience)]


@pytest.fixture
def world(app: Flask) -> Iterator[Bank]:
    make_staff(app, "author", Role.ADVISOR)
    make_staff(app, "reviewer", Role.RESEARCHER)
    with app.app_context():
        users = {
            u.username: u
            for u in db.session.scalars(
                select(StaffUser).where(StaffUser.username.in_(["author", "reviewer"]))
            )
        }
        framework = demo.load_framework(db.session)
        demo.ensure_area(db.session)
        db.session.commit()
        yield Bank(db.session, users["author"], users["reviewer"], framework)
        db.session.rollback()


def refused(code: str):
    return pytest.raises(StudioError, match=f"^{code}$")


# --- review: draft -> proposed -> approved (or back to draft) -> retired ---------------------


def test_a_draft_goes_through_review_to_retirement_with_a_history_row_for_each_step(world):
    version = world.write()
    bank.propose(world.session, version, world.author)
    assert version.status is VersionStatus.PROPOSED
    bank.approve(world.session, version, world.reviewer)
    assert version.status is VersionStatus.APPROVED
    assert version.approved_by_id == world.reviewer.id and version.approved_at is not None
    bank.retire(world.session, version, world.reviewer)
    assert version.status is VersionStatus.RETIRED
    world.session.flush()
    assert [e.action for e in bank.history(world.session, version.id)] == [
        VersionAction.CREATED,
        VersionAction.PROPOSED,
        VersionAction.APPROVED,
        VersionAction.RETIRED,
    ]


@pytest.mark.parametrize(
    ("status", "change", "code"),
    [
        (VersionStatus.PROPOSED, "propose", "not_a_draft"),
        (VersionStatus.APPROVED, "propose", "not_a_draft"),
        (VersionStatus.RETIRED, "propose", "not_a_draft"),
        (VersionStatus.DRAFT, "approve", "not_proposed"),
        (VersionStatus.APPROVED, "approve", "not_proposed"),
        (VersionStatus.RETIRED, "approve", "not_proposed"),
        (VersionStatus.DRAFT, "send_back", "not_proposed"),
        (VersionStatus.APPROVED, "send_back", "not_proposed"),
        (VersionStatus.DRAFT, "retire", "not_approved"),
        (VersionStatus.PROPOSED, "retire", "not_approved"),
        (VersionStatus.RETIRED, "retire", "not_approved"),
        (VersionStatus.DRAFT, "new_version", "not_approved"),
        (VersionStatus.PROPOSED, "new_version", "not_approved"),
    ],
)
def test_a_status_change_from_the_wrong_status_is_refused_and_changes_nothing(
    world, status, change, code
):
    version = world.write()
    steps = [VersionStatus.PROPOSED, VersionStatus.APPROVED, VersionStatus.RETIRED]
    moves = [bank.propose, bank.approve, bank.retire]
    for step, move in zip(steps, moves, strict=True):
        if version.status is status:
            break
        move(
            world.session,
            version,
            world.author if step is VersionStatus.PROPOSED else world.reviewer,
        )
    assert version.status is status
    world.session.flush()
    events = len(bank.history(world.session, version.id))
    with refused(code):
        if change == "send_back":
            bank.send_back(world.session, version, world.reviewer, "A reason")
        elif change == "new_version":
            bank.new_version(world.session, version, world.author)
        else:
            getattr(bank, change)(world.session, version, world.reviewer)
    assert version.status is status
    world.session.flush()
    assert len(bank.history(world.session, version.id)) == events


@pytest.mark.parametrize("reason", ["", "   \n\t"], ids=["empty", "blank"])
def test_sending_back_needs_a_reason(world, reason):
    version = world.write()
    bank.propose(world.session, version, world.author)
    with refused("reason_needed") as caught:
        bank.send_back(world.session, version, world.reviewer, reason)
    assert caught.value.field == "reason"
    assert version.status is VersionStatus.PROPOSED


def test_a_reason_with_control_characters_is_refused(world):
    version = world.write()
    bank.propose(world.session, version, world.author)
    with refused("control_characters"):
        bank.send_back(world.session, version, world.reviewer, "Say\x00it")
    assert version.status is VersionStatus.PROPOSED


def test_sending_back_makes_it_a_draft_and_keeps_the_reason_until_it_moves_on(world):
    version = world.write()
    bank.propose(world.session, version, world.author)
    bank.send_back(world.session, version, world.reviewer, "  Use 'where you live'.  ")
    world.session.flush()
    assert version.status is VersionStatus.DRAFT
    assert bank.sent_back_reason(world.session, version) == "Use 'where you live'."
    event = world.session.scalar(
        select(QuestionVersionEvent).where(
            QuestionVersionEvent.version_id == version.id,
            QuestionVersionEvent.action == VersionAction.SENT_BACK,
        )
    )
    assert event.actor_id == world.reviewer.id
    bank.propose(world.session, version, world.author)
    world.session.flush()
    assert bank.sent_back_reason(world.session, version) == ""


def test_proposing_needs_english_words_for_at_least_one_group(world):
    version = world.write()
    for text in list(version.texts):
        version.texts.remove(text)
        world.session.delete(text)
    world.session.flush()
    with refused("no_audience"):
        bank.propose(world.session, version, world.author)


# --- editing ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status", [VersionStatus.PROPOSED, VersionStatus.APPROVED, VersionStatus.RETIRED]
)
def test_only_a_draft_can_be_edited_or_translated(world, status):
    version = world.write("Do you feel safe?")
    bank.propose(world.session, version, world.author)
    if status is not VersionStatus.PROPOSED:
        bank.approve(world.session, version, world.reviewer)
    if status is VersionStatus.RETIRED:
        bank.retire(world.session, version, world.reviewer)
    changed = bank.QuestionDraft(
        AnswerFormat.YES_MAYBE_NO,
        [bank.TextDraft(CHILD, "Something else?")],
        [world.domain("feeling_safe")],
    )
    with refused("not_editable"):
        bank.save_source(world.session, version, changed, world.author, world.framework.id)
    with refused("not_editable"):
        bank.save_translation(
            world.session,
            version,
            bank.TranslationDraft("pl", [bank.TextDraft(CHILD, "Czy czujesz się bezpiecznie?")]),
            world.author,
        )
    assert [(t.language, t.wording) for t in version.texts] == [("en_GB", "Do you feel safe?")]


def test_saving_a_draft_reports_the_fields_that_changed_and_records_an_edit(world):
    version = world.write("Do you feel safe?")
    same = bank.QuestionDraft(
        AnswerFormat.YES_MAYBE_NO,
        [bank.TextDraft(CHILD, "Do you feel safe?")],
        [world.domain("feeling_safe")],
    )
    assert bank.save_source(world.session, version, same, world.author, world.framework.id) == []
    changed = bank.QuestionDraft(
        AnswerFormat.YES_MAYBE_NO,
        [bank.TextDraft(CHILD, "Do you feel safe at school?")],
        [world.domain("feeling_safe")],
    )
    fields = bank.save_source(world.session, version, changed, world.author, world.framework.id)
    assert fields == ["child_8_12 en_GB wording"]
    world.session.flush()
    actions = [e.action for e in bank.history(world.session, version.id)]
    assert actions == [VersionAction.CREATED, VersionAction.EDITED]


@pytest.mark.parametrize(
    ("draft_kw", "code", "field"),
    [
        ({"wording": ""}, "no_audience", "child_4_7-wording"),
        ({"wording": "W" * (bank.MAX_WORDING + 1)}, "too_long", "child_8_12-wording"),
        ({"wording": "Safe\x00?"}, "control_characters", "child_8_12-wording"),
        ({"help_text": "Think\x07"}, "control_characters", "child_8_12-help_text"),
        ({"wording": "", "help_text": "Only help"}, "wording_missing", "child_8_12-wording"),
        ({"domains": []}, "domain_needed", "domains"),
        ({"domains": [999_999]}, "unknown_domain", "domains"),
        (
            {"answer_format": AnswerFormat.CHOOSE_ONE, "options": ["Only one"]},
            "options_needed",
            "options",
        ),
    ],
)
def test_a_new_question_that_breaks_a_rule_is_refused_with_the_field_to_fix(
    world, draft_kw, code, field
):
    questions_before = world.session.scalar(select(func.count()).select_from(QuestionVersion))
    domains = draft_kw.get("domains", [world.domain("feeling_safe")])
    draft = bank.QuestionDraft(
        draft_kw.get("answer_format", AnswerFormat.YES_MAYBE_NO),
        [bank.TextDraft(CHILD, draft_kw.get("wording", "Safe?"), draft_kw.get("help_text", ""))],
        domains,
        [bank.OptionDraft({CHILD: label}) for label in draft_kw.get("options", [])],
    )
    with refused(code) as caught:
        bank.create_question(world.session, draft, world.author, world.framework.id)
    assert caught.value.field == field
    world.session.rollback()
    assert world.session.scalar(select(func.count()).select_from(QuestionVersion)) == (
        questions_before
    )


def test_answer_labels_are_needed_for_every_group_the_question_is_for(world):
    draft = bank.QuestionDraft(
        AnswerFormat.CHOOSE_ONE,
        [bank.TextDraft(CHILD, "Who helps you?"), bank.TextDraft(YOUNG, "Who helps you most?")],
        [world.domain("feeling_safe")],
        [
            bank.OptionDraft({CHILD: "Mum", YOUNG: "My mum"}),
            bank.OptionDraft({CHILD: "Dad", YOUNG: ""}),
        ],
    )
    with refused("option_label_missing") as caught:
        bank.create_question(world.session, draft, world.author, world.framework.id)
    assert caught.value.field == "option-2-young_13_17"


# --- new versions -------------------------------------------------------------------------


def test_a_new_version_copies_texts_labels_domains_and_recordings_and_points_back(world):
    v1 = world.write(
        "Who helps you?",
        audiences=(CHILD, YOUNG),
        answer_format=AnswerFormat.CHOOSE_ONE,
        options=("Mum", "Teacher"),
        help_text="Think about <strong>this week</strong>.",
    )
    bank.save_translation(
        world.session,
        v1,
        bank.TranslationDraft(
            "pl",
            [bank.TextDraft(CHILD, "Kto ci pomaga?")],
            {(v1.options[0].key, CHILD): "Mama", (v1.options[1].key, CHILD): "Nauczyciel"},
        ),
        world.author,
    )
    world.session.flush()
    english = bank.text_for(v1, CHILD, "en_GB")
    world.session.add(
        AudioClip(
            question_text_id=english.id,
            codec="opus",
            text_sha256="f" * 64,
            data=b"recorded",
            duration_ms=900,
            recorded_by_id=world.author.id,
        )
    )
    bank.propose(world.session, v1, world.author)
    bank.approve(world.session, v1, world.reviewer)
    world.session.flush()
    before = bank.snapshot(v1)

    v2 = bank.new_version(world.session, v1, world.author)
    world.session.flush()
    world.session.expire_all()
    v2 = bank.load_version(world.session, v2.id)
    v1 = bank.load_version(world.session, v1.id)

    assert (v2.number, v2.status, v2.based_on_id) == (2, VersionStatus.DRAFT, v1.id)
    assert v2.question_id == v1.question_id and v2.id != v1.id
    assert bank.snapshot(v2) == before == bank.snapshot(v1)
    assert [d.key for d in v2.domains] == [d.key for d in v1.domains] == ["feeling_safe"]
    assert [o.key for o in v2.options] == [o.key for o in v1.options]
    assert {t.id for t in v2.texts}.isdisjoint({t.id for t in v1.texts})
    copied = world.session.scalars(
        select(AudioClip).where(AudioClip.question_text_id == bank.text_for(v2, CHILD, "en_GB").id)
    ).all()
    assert [(c.codec, c.data, c.duration_ms, c.text_sha256) for c in copied] == [
        ("opus", b"recorded", 900, "f" * 64)
    ]
    assert v1.status is VersionStatus.APPROVED
    assert bank.diff_versions(v1, v2) == []


@pytest.mark.parametrize("open_status", [VersionStatus.DRAFT, VersionStatus.PROPOSED])
def test_a_second_new_version_returns_the_draft_already_open(world, open_status):
    v1 = world.approved()
    v2 = bank.new_version(world.session, v1, world.author)
    if open_status is VersionStatus.PROPOSED:
        bank.propose(world.session, v2, world.author)
    world.session.flush()
    again = bank.new_version(world.session, v1, world.reviewer)
    assert again.id == v2.id
    count = world.session.scalar(
        select(func.count())
        .select_from(QuestionVersion)
        .where(QuestionVersion.question_id == v1.question_id)
    )
    assert count == 2


def test_a_retired_version_can_be_started_again_as_a_new_draft(world):
    v1 = world.approved()
    bank.retire(world.session, v1, world.reviewer)
    v2 = bank.new_version(world.session, v1, world.author)
    assert (v2.number, v2.status, v2.based_on_id) == (2, VersionStatus.DRAFT, v1.id)


def test_the_difference_between_versions_is_given_word_by_word(world):
    v1 = world.approved("Do you feel safe at home?")
    v2 = bank.new_version(world.session, v1, world.author)
    world.session.flush()
    draft = bank.QuestionDraft(
        AnswerFormat.YES_MAYBE_NO,
        [bank.TextDraft(CHILD, "Do you feel safe where you live?")],
        [world.domain("feeling_safe"), world.domain("stable_home")],
    )
    bank.save_source(world.session, v2, draft, world.author, world.framework.id)
    world.session.flush()
    world.session.expire_all()
    lines = {
        line.field: line
        for line in bank.diff_versions(
            bank.load_version(world.session, v1.id), bank.load_version(world.session, v2.id)
        )
    }
    assert set(lines) == {"domains", "child_8_12 en_GB wording"}
    assert lines["child_8_12 en_GB wording"].words == [
        ("same", "Do you feel safe"),
        ("removed", "at home?"),
        ("added", "where you live?"),
    ]
    assert (lines["domains"].before, lines["domains"].after) == (
        "feeling_safe",
        "feeling_safe, stable_home",
    )


# --- translations ---------------------------------------------------------------------------


def test_a_changed_translation_goes_back_to_drafted_and_an_unchanged_one_stays_checked(world):
    version = world.write(
        "Who helps you?", answer_format=AnswerFormat.CHOOSE_ONE, options=("Mum", "Dad")
    )
    mum, dad = (o.key for o in version.options)

    def translate(wording: str, mum_label: str) -> None:
        bank.save_translation(
            world.session,
            version,
            bank.TranslationDraft(
                "pl",
                [bank.TextDraft(CHILD, wording)],
                {(mum, CHILD): mum_label, (dad, CHILD): "Tata"},
            ),
            world.author,
        )
        world.session.flush()

    translate("Kto ci pomaga?", "Mama")
    text = bank.text_for(version, CHILD, "pl")
    labels = {o.key: next(lb for lb in o.labels if lb.language == "pl") for o in version.options}
    assert text.review_state is ReviewState.DRAFTED
    for item in (text, labels[mum], labels[dad]):  # a fluent speaker checks them
        item.review_state, item.reviewed_by, item.reviewed_at = (
            ReviewState.REVIEWED,
            "Ola",
            utcnow(),
        )

    translate("Kto ci pomaga?", "Mama")
    assert text.review_state is ReviewState.REVIEWED and text.reviewed_by == "Ola"
    assert labels[mum].review_state is ReviewState.REVIEWED

    translate("Kto ci najbardziej pomaga?", "Mamusia")
    assert (text.wording, text.review_state, text.reviewed_by, text.reviewed_at) == (
        "Kto ci najbardziej pomaga?",
        ReviewState.DRAFTED,
        "",
        None,
    )
    assert (labels[mum].label, labels[mum].review_state, labels[mum].reviewed_by) == (
        "Mamusia",
        ReviewState.DRAFTED,
        "",
    )
    assert labels[dad].review_state is ReviewState.REVIEWED  # untouched: still checked
    assert bank.text_for(version, CHILD, "en_GB").review_state is ReviewState.DRAFTED


def test_a_translation_only_covers_groups_written_in_english_and_known_languages(world):
    version = world.write("Do you feel safe?")
    bank.save_translation(
        world.session,
        version,
        bank.TranslationDraft(
            "ar", [bank.TextDraft(CHILD, "هل تشعر بالأمان؟"), bank.TextDraft(YOUNG, "ignored")]
        ),
        world.author,
    )
    assert {(t.audience, t.language) for t in version.texts} == {(CHILD, "en_GB"), (CHILD, "ar")}
    for language in ("en_GB", "xx", ""):
        with refused("unknown_language"):
            bank.save_translation(
                world.session, version, bank.TranslationDraft(language, []), world.author
            )


# --- votes and comments -----------------------------------------------------------------------


def test_votes_are_one_per_person_and_never_for_your_own_question(world):
    version = world.write()
    with refused("own_question"):
        bank.toggle_vote(world.session, version, world.author)
    assert bank.toggle_vote(world.session, version, world.reviewer) is True
    world.session.flush()
    assert bank.vote_count(world.session, version.id) == 1
    assert bank.toggle_vote(world.session, version, world.reviewer) is False
    world.session.flush()
    assert bank.vote_count(world.session, version.id) == 0
    bank.propose(world.session, version, world.author)
    bank.approve(world.session, version, world.reviewer)
    with refused("not_open_for_votes"):
        bank.toggle_vote(world.session, version, world.reviewer)


def test_an_empty_comment_is_refused(world):
    version = world.write()
    with refused("comment_missing"):
        bank.add_comment(world.session, version, world.reviewer, "  ")
    comment = bank.add_comment(world.session, version, world.reviewer, "  Nice and short.  ")
    assert comment.body == "Nice and short."


# --- flows ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status", [VersionStatus.DRAFT, VersionStatus.PROPOSED, VersionStatus.RETIRED]
)
def test_only_approved_versions_can_be_added_to_a_flow(world, status):
    version = world.write()
    if status is not VersionStatus.DRAFT:
        bank.propose(world.session, version, world.author)
    if status is VersionStatus.RETIRED:
        bank.approve(world.session, version, world.reviewer)
        bank.retire(world.session, version, world.reviewer)
    flow = world.flow()
    with refused("not_approved"):
        flows.add_item(world.session, flow, CHILD, version.id, world.reviewer)
    with refused("not_approved"):
        flows.add_item(world.session, flow, CHILD, 999_999, world.reviewer)
    assert flow.items == []


def test_a_version_can_only_be_added_for_a_group_it_is_written_for(world):
    version = world.approved(audiences=(CHILD,))
    flow = world.flow()
    assert version in flows.addable_versions(world.session, flow, CHILD)
    assert version not in flows.addable_versions(world.session, flow, LITTLE)
    with refused("not_for_audience"):
        flows.add_item(world.session, flow, LITTLE, version.id, world.reviewer)
    assert flow.items == []


def test_a_question_is_in_a_groups_list_only_once(world):
    v1 = world.approved(audiences=(CHILD, YOUNG))
    flow = world.flow()
    flows.add_item(world.session, flow, CHILD, v1.id, world.reviewer)
    flows.add_item(world.session, flow, YOUNG, v1.id, world.reviewer)  # another group: fine
    with refused("already_in_flow"):
        flows.add_item(world.session, flow, CHILD, v1.id, world.reviewer)
    # A later approved version of the same question is the same question.
    v2 = bank.new_version(world.session, v1, world.author)
    bank.propose(world.session, v2, world.author)
    bank.approve(world.session, v2, world.reviewer)
    with refused("already_in_flow"):
        flows.add_item(world.session, flow, CHILD, v2.id, world.reviewer)
    assert world.positions(flow) == [(1, v1.id)]


def test_moving_and_removing_keep_positions_one_to_n(world):
    versions = [world.approved(f"Question {n}?") for n in range(1, 5)]
    a, b, c, d = (v.id for v in versions)
    flow = world.flow()
    items = [flows.add_item(world.session, flow, CHILD, v, world.reviewer) for v in (a, b, c, d)]
    other = world.approved("For older ones?", audiences=(YOUNG,))
    flows.add_item(world.session, flow, YOUNG, other.id, world.reviewer)
    assert world.positions(flow) == [(1, a), (2, b), (3, c), (4, d)]

    flows.move_item(world.session, flow, items[2].id, -1, world.reviewer)  # c up
    assert world.positions(flow) == [(1, a), (2, c), (3, b), (4, d)]
    flows.move_item(world.session, flow, items[0].id, 1, world.reviewer)  # a down
    assert world.positions(flow) == [(1, c), (2, a), (3, b), (4, d)]
    flows.move_item(world.session, flow, items[2].id, -1, world.reviewer)  # c, first, up: stays
    flows.move_item(world.session, flow, items[3].id, 1, world.reviewer)  # d, last, down: stays
    assert world.positions(flow) == [(1, c), (2, a), (3, b), (4, d)]
    with refused("not_in_flow"):
        flows.move_item(world.session, flow, items[0].id, 2, world.reviewer)

    flows.remove_item(world.session, flow, items[0].id, world.reviewer)  # a
    assert world.positions(flow) == [(1, c), (2, b), (3, d)]
    flows.remove_item(world.session, flow, items[2].id, world.reviewer)  # c, the first
    assert world.positions(flow) == [(1, b), (2, d)]
    with refused("not_in_flow"):
        flows.remove_item(world.session, flow, items[2].id, world.reviewer)
    assert world.positions(flow, YOUNG) == [(1, other.id)]  # other groups untouched
    # Added after removals, a question goes to the end with the next number.
    flows.add_item(world.session, flow, CHILD, a, world.reviewer)
    assert world.positions(flow) == [(1, b), (2, d), (3, a)]


def test_publishing_needs_at_least_one_question(world):
    flow = world.flow()
    with refused("empty_flow"):
        flows.publish(world.session, flow, world.reviewer)
    assert flow.status is FlowStatus.DRAFT


def test_a_flow_holding_a_version_retired_since_cannot_be_published(world):
    version = world.approved()
    flow = world.flow()
    flows.add_item(world.session, flow, CHILD, version.id, world.reviewer)
    bank.retire(world.session, version, world.reviewer)
    with refused("not_approved"):
        flows.publish(world.session, flow, world.reviewer)


def test_a_published_flow_never_changes_again(world):
    first, second, third = (world.approved(f"Question {n}?") for n in (1, 2, 3))
    flow = world.flow()
    items = [
        flows.add_item(world.session, flow, CHILD, v.id, world.reviewer) for v in (first, second)
    ]
    flows.publish(world.session, flow, world.reviewer)
    assert flow.status is FlowStatus.PUBLISHED
    assert flow.published_by_id == world.reviewer.id and flow.published_at is not None
    before = world.positions(flow)
    changes = [
        lambda: flows.add_item(world.session, flow, CHILD, third.id, world.reviewer),
        lambda: flows.remove_item(world.session, flow, items[0].id, world.reviewer),
        lambda: flows.move_item(world.session, flow, items[1].id, -1, world.reviewer),
        lambda: flows.move_item(world.session, flow, items[0].id, 1, world.reviewer),
        lambda: flows.publish(world.session, flow, world.reviewer),
    ]
    for change in changes:
        with refused("flow_published"):
            change()
    assert world.positions(flow) == before
    assert flow.status is FlowStatus.PUBLISHED


def test_a_copy_of_a_published_flow_is_an_editable_draft_and_the_original_stays(world):
    first, second, third = (world.approved(f"Question {n}?") for n in (1, 2, 3))
    flow = world.flow("Spring sessions")
    for version in (first, second):
        flows.add_item(world.session, flow, CHILD, version.id, world.reviewer)
    flows.publish(world.session, flow, world.reviewer)

    copy = flows.copy_flow(world.session, flow, world.reviewer)
    assert (copy.id != flow.id, copy.name, copy.status) == (
        True,
        "Spring sessions",
        FlowStatus.DRAFT,
    )
    assert copy.framework_id == flow.framework_id and copy.published_at is None
    assert world.positions(copy) == world.positions(flow) == [(1, first.id), (2, second.id)]
    moved = flows.items_for(copy, CHILD)[1]
    flows.move_item(world.session, copy, moved.id, -1, world.reviewer)
    flows.add_item(world.session, copy, CHILD, third.id, world.reviewer)
    assert world.positions(copy) == [(1, second.id), (2, first.id), (3, third.id)]
    assert world.positions(flow) == [(1, first.id), (2, second.id)]


@pytest.mark.parametrize("name", ["", "   ", "N" * (flows.MAX_NAME + 1), "bad\x00name"])
def test_a_flow_needs_a_plain_name_of_sensible_length(world, name):
    with pytest.raises(StudioError) as caught:
        flows.create_flow(world.session, name, world.reviewer)
    assert caught.value.field == "name"


def test_a_session_running_a_draft_flow_refuses_participants(world):
    version = world.approved()
    flow = world.flow()
    flows.add_item(world.session, flow, CHILD, version.id, world.reviewer)
    code = new_session_code()
    group_session = GroupSession(
        code=code,
        area=world.session.scalars(select(Area)).first(),
        flow=flow,
        status=SessionStatus.OPEN,
        languages=["en_GB"],
        audiences=[CHILD.value],
    )
    world.session.add(group_session)
    world.session.flush()
    assert accepts_answers(group_session) is False
    for call in (
        lambda: find_open_session(world.session, code),
        lambda: open_session(world.session, group_session.id),
    ):
        with pytest.raises(JourneyError, match=r"^session_closed$"):
            call()

    flows.publish(world.session, flow, world.reviewer)
    assert accepts_answers(group_session) is True
    assert find_open_session(world.session, code).id == group_session.id


def test_a_choose_one_draft_can_become_a_yes_maybe_no_question_and_loses_its_answers(world):
    version = world.write(
        "Who helps you?", answer_format=AnswerFormat.CHOOSE_ONE, options=("Mum", "Dad")
    )
    world.session.flush()
    changed = bank.QuestionDraft(
        AnswerFormat.YES_MAYBE_NO,
        [bank.TextDraft(CHILD, "Does someone help you?")],
        [world.domain("feeling_safe")],
    )
    bank.save_source(world.session, version, changed, world.author, world.framework.id)
    world.session.flush()
    world.session.expire_all()
    assert version.format is AnswerFormat.YES_MAYBE_NO
    assert version.options == []
    labels = world.session.scalar(select(func.count()).select_from(QuestionOptionLabel))
    assert labels == 0
