"""The readiness engine on hand-made timelines: plain data in, a verdict out, no database.

Each test starts from a trainee who is ready to apply under one regulation and changes
one fact; the comment says which rule decides the verdict.
"""

from dataclasses import replace
from datetime import date

import pytest
from django.utils import translation

from portfolio.readiness.engine import (
    BLOCKING,
    BT_INTEGRATED_LONG,
    BT_NOT_APPROVED,
    BT_TIME,
    FINAL_REVIEW,
    GOAL_MISSING,
    MID_ST,
    REQUIRED_SIGNERS,
    SUMMARY_MISSING,
    TIME,
    WRONGLY_SIGNED,
    CertificateFact,
    GoalFact,
    ReadinessInput,
    bt_readiness,
    specialist_readiness,
)

TODAY = date(2026, 11, 23)
TRAINEE, MAIN_SUPERVISOR, SECOND_SPECIALIST = 1, 2, 3


# Helpers ------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def english():
    """The assertions read the English msgids, whatever the catalogue holds."""
    with translation.override("en"):
        yield


def goal(code, *groups, curriculum="st"):
    """goal("b5", "klinisk_tjanstgoring|auskultation", "kurs"): every group needed, "|" = either."""
    return GoalFact(code, f"Delmål {code}", [frozenset(group.split("|")) for group in groups], curriculum)


def cert(form, *codes, roles=None, signers=None, signed=True, superseded=False):
    """A signed intyg; by default signed by the first role of each required group, each by another person."""
    roles = roles if roles is not None else [sorted(group)[0] for group in REQUIRED_SIGNERS[form]]
    signers = signers if signers is not None else [100 + index for index, _role in enumerate(roles)]
    return CertificateFact(form, frozenset(codes), frozenset(roles), signed, superseded, frozenset(signers))


def summary_2021():
    return [
        cert("hslf2021_b6"),
        cert(
            "hslf2021_b7",
            roles=["main_supervisor", "second_specialist"],
            signers=[MAIN_SUPERVISOR, SECOND_SPECIALIST],
        ),
    ]


def ready_2015(**changes):
    data = ReadinessInput(
        regulation="SOSFS_2015_8",
        bt_mode="none",
        bt_approved_on=None,
        bt_service_end=None,
        st_start=date(2021, 9, 1),
        today=TODAY,
        fte_months=62.0,
        required_fte_months=60,
        minimum_reached_on=date(2026, 9, 1),
        goals=[
            goal("a4", "kvalitetsarbete"),
            goal("a5", "klinisk_tjanstgoring", "skriftligt_arbete", "kurs"),
            goal("b5", "klinisk_tjanstgoring|auskultation", "kurs"),
            goal("c6", "klinisk_tjanstgoring", "kurs"),
        ],
        certificates=[
            cert("sosfs2015_b4", "a5", "b5", "c6"),
            cert("sosfs2015_b5", "a5", "b5", "c6"),
            cert("sosfs2015_b6", "a4"),
            cert("sosfs2015_b7", "a5"),
            cert("sosfs2015_b2", roles=["unit_head", "main_supervisor"], signers=[50, MAIN_SUPERVISOR]),
        ],
        trainee_user_id=TRAINEE,
        main_supervisor_id=MAIN_SUPERVISOR,
        second_specialist_id=SECOND_SPECIALIST,
        mid_st_required=True,
        mid_st_done=True,
        final_review_required=True,
        final_review_ready=True,
        region_name="Region Norrmark",
    )
    return replace(data, **changes)


def ready_2021(**changes):
    data = ReadinessInput(
        regulation="HSLF_FS_2021_8",
        bt_mode="integrated",
        bt_approved_on=date(2023, 6, 1),
        bt_service_end=date(2023, 2, 28),
        st_start=date(2021, 9, 1),
        today=TODAY,
        fte_months=67.0,
        required_fte_months=66,
        minimum_reached_on=date(2026, 10, 1),
        goals=[
            goal("STa3", "medicinsk_vetenskap"),
            goal("STb1", "klinisk_tjanstgoring|auskultation", "kurs"),
            goal("STc15", "klinisk_tjanstgoring|kurs"),
            goal("BT1", "bt_delmal", curriculum="bt"),
        ],
        certificates=[
            cert("hslf2021_b12", "STa3"),
            cert("hslf2021_b9", "STb1", "STc15"),
            cert("hslf2021_b10", "STb1"),
            *summary_2021(),
        ],
        trainee_user_id=TRAINEE,
        main_supervisor_id=MAIN_SUPERVISOR,
        second_specialist_id=SECOND_SPECIALIST,
        mid_st_required=True,
        mid_st_done=True,
        final_review_required=True,
        final_review_ready=True,
        region_name="Region Norrmark",
    )
    return replace(data, **changes)


def codes(verdict):
    return [gap.code for gap in verdict.gaps]


def without(data, form):
    return [certificate for certificate in data.certificates if certificate.form != form]


# Fully ready ---------------------------------------------------------------------------


def test_ready_under_sosfs_2015():
    # SOSFS 2015:8: 62 ≥ 60 months, every delmål group has a signed intyg, bilaga 2 signed by
    # verksamhetschef + huvudhandledare, Mitt-i-ST done and the studierektor's review ready → ready.
    verdict = specialist_readiness(ready_2015())

    assert verdict.ready is True
    assert verdict.gaps == []
    assert verdict.earliest_application == TODAY  # minimum reached in September: today is the first day


def test_ready_under_hslf_2021():
    # HSLF-FS 2021:8: 67 ≥ 66 months, BT approved, STa3 via bilaga 12, bilagor 6 and 7 signed → ready.
    # BT1 has no intyg, but BT delmål belong to the BT application, not this one.
    verdict = specialist_readiness(ready_2021())

    assert verdict.ready is True
    assert verdict.gaps == []


# Time ----------------------------------------------------------------------------------


def test_short_of_the_minimum_time_blocks():
    # SOSFS 2015:8 4 kap.: 60 full-time months; 58 is not enough → one blocking time gap, and the
    # earliest application is the day the recorded plan reaches 60 months.
    reached = date(2027, 1, 20)
    verdict = specialist_readiness(ready_2015(fte_months=58.0, minimum_reached_on=reached))

    assert verdict.ready is False
    assert codes(verdict) == [TIME]
    gap = verdict.gaps[0]
    assert gap.severity == BLOCKING
    assert "58" in gap.what and "60" in gap.what
    assert "2027-01-20" in gap.next_step
    assert verdict.earliest_application == reached


def test_part_time_plan_that_never_reaches_the_minimum():
    # Part time (50 %) to the end of the recorded plan: 43 of 60 months, never reached → blocking,
    # the next step is to add tjänstgöringar, and no application date can be given.
    verdict = specialist_readiness(ready_2015(fte_months=43.0, minimum_reached_on=None))

    assert codes(verdict) == [TIME]
    assert verdict.earliest_application is None
    assert "43" in verdict.gaps[0].what


def test_parental_leave_moves_the_minimum_later():
    # Föräldraledighet does not count as service (st-rules-reference §3.1 LEAVE): the same ST with
    # 8 months of leave has 54 of 60 months and reaches the minimum 8 months later.
    verdict = specialist_readiness(ready_2015(fte_months=54.0, minimum_reached_on=date(2027, 5, 1)))

    assert verdict.ready is False
    assert codes(verdict) == [TIME]
    assert verdict.earliest_application == date(2027, 5, 1)


def test_doctorate_lowers_the_minimum_to_54_months():
    # SOSFS 2015:8 4 kap.: 60 months; 54 with doktorsexamen (bilaga 2 footnote) → 55 months suffice.
    verdict = specialist_readiness(ready_2015(fte_months=55.0, required_fte_months=54))

    assert verdict.ready is True


def test_doctorate_still_needs_54_months():
    # 54 with doktorsexamen (bilaga 2 footnote): 53.5 months is still short → blocking "53,5 of 54".
    verdict = specialist_readiness(ready_2015(fte_months=53.5, required_fte_months=54))

    assert codes(verdict) == [TIME]
    assert "54" in verdict.gaps[0].what


def test_time_short_under_2021_cites_66_months():
    # PSF 4 kap. 1 §: BT + ST at least 66 full-time months; 60 is short.
    verdict = specialist_readiness(ready_2021(fte_months=60.0))

    assert codes(verdict) == [TIME]
    assert "66" in verdict.gaps[0].rule


# BT --------------------------------------------------------------------------------------


def test_integrated_bt_not_approved_blocks():
    # HSLF-FS 2021:8 bilaga 5 asks for the date of the intyg om godkänd BT → without it, blocking.
    verdict = specialist_readiness(ready_2021(bt_approved_on=None))

    assert codes(verdict) == [BT_NOT_APPROVED]
    assert verdict.ready is False


def test_separate_bt_approved_is_ready():
    # BT done before ST and approved by Socialstyrelsen: nothing about BT is missing; the two-year
    # advice is for integrated BT only.
    verdict = specialist_readiness(
        ready_2021(bt_mode="separate", bt_service_end=date(2021, 8, 31), st_start=date(2021, 9, 1))
    )

    assert verdict.ready is True


def test_separate_bt_not_approved_blocks():
    # The BT approval is required whether BT was integrated or separate (bilaga 5).
    verdict = specialist_readiness(ready_2021(bt_mode="separate", bt_approved_on=None))

    assert codes(verdict) == [BT_NOT_APPROVED]


def test_integrated_bt_longer_than_two_years_is_advice():
    # Allmänt råd (BT-INTEGRATED): integrated BT within the first two years of ST; BT ending
    # 2023-12-31 after ST started 2021-09-01 → advice, not blocking: still ready.
    verdict = specialist_readiness(ready_2021(bt_service_end=date(2023, 12, 31)))

    assert verdict.ready is True
    assert codes(verdict) == [BT_INTEGRATED_LONG]
    assert verdict.gaps[0].severity == "advice"
    assert "Region Norrmark" in verdict.gaps[0].rule


def test_integrated_bt_ending_on_the_two_year_day_is_fine():
    # Exactly two years after the start of ST (2023-09-01) is within the allmänt råd → no advice.
    verdict = specialist_readiness(ready_2021(bt_service_end=date(2023, 9, 1)))

    assert verdict.gaps == []


def test_no_bt_rules_under_2015():
    # SOSFS 2015:8 has no BT: no approval date is asked for.
    verdict = specialist_readiness(ready_2015(bt_approved_on=None, bt_service_end=date(2030, 1, 1)))

    assert verdict.ready is True


# Delmål ------------------------------------------------------------------------------------


def test_missing_course_for_one_delmal_names_the_form():
    # Every delmål needs an intyg per required activity (st-rules-reference §3.5 item 4): c6 needs
    # klinisk tjänstgöring and a kurs; the kurs intyg lists b5 and a5 but not c6 → one blocking gap.
    data = ready_2015()
    course = cert("sosfs2015_b5", "a5", "b5")
    verdict = specialist_readiness(replace(data, certificates=[*without(data, "sosfs2015_b5"), course]))

    assert codes(verdict) == [GOAL_MISSING]
    gap = verdict.gaps[0]
    assert gap.what.startswith("c6:")
    assert "SOSFS 2015:8 bilaga 5" in gap.what


def test_one_gap_per_missing_delmal_and_group():
    # Without the kurs intyg, a5, b5 and c6 each miss their kurs group → three gaps, one per delmål.
    data = ready_2015()
    verdict = specialist_readiness(replace(data, certificates=without(data, "sosfs2015_b5")))

    assert codes(verdict) == [GOAL_MISSING] * 3
    assert [gap.what.split(":")[0] for gap in verdict.gaps] == ["a5", "b5", "c6"]


def test_auskultation_is_an_alternative_to_clinical_service_for_b5():
    # b5: klinisk tjänstgöring OR auskultation, and a kurs. An auskultation intyg (bilaga 3) for b5
    # replaces the clinical one for b5 → ready.
    data = ready_2015()
    clinical = cert("sosfs2015_b4", "a5", "c6")
    auskultation = cert("sosfs2015_b3", "b5")
    certificates = [*without(data, "sosfs2015_b4"), clinical, auskultation]

    assert specialist_readiness(replace(data, certificates=certificates)).ready is True


def test_missing_alternative_group_names_both_options():
    # b5 with neither klinisk tjänstgöring nor auskultation → one gap naming both forms.
    data = ready_2015()
    clinical = cert("sosfs2015_b4", "a5", "c6")
    verdict = specialist_readiness(replace(data, certificates=[*without(data, "sosfs2015_b4"), clinical]))

    assert codes(verdict) == [GOAL_MISSING]
    what = verdict.gaps[0].what
    assert "SOSFS 2015:8 bilaga 3" in what and "SOSFS 2015:8 bilaga 4" in what


def test_stc15_is_met_by_a_course_alone():
    # STc15: klinisk tjänstgöring OR kurs (one group). Only a kurs intyg (bilaga 10) lists STc15 → met.
    data = ready_2021()
    clinical = cert("hslf2021_b9", "STb1")
    course = cert("hslf2021_b10", "STb1", "STc15")
    certificates = [c for c in data.certificates if c.form not in {"hslf2021_b9", "hslf2021_b10"}] + [clinical, course]

    assert specialist_readiness(replace(data, certificates=certificates)).ready is True


def test_sta3_needs_its_own_form():
    # HSLF-FS 2021:8 bilaga 12 is the intyg for STa3; a clinical intyg listing STa3 does not replace it.
    data = ready_2021()
    clinical = cert("hslf2021_b9", "STb1", "STc15", "STa3")
    certificates = [c for c in data.certificates if c.form not in {"hslf2021_b12", "hslf2021_b9"}] + [clinical]
    verdict = specialist_readiness(replace(data, certificates=certificates))

    assert codes(verdict) == [GOAL_MISSING]
    assert "HSLF-FS 2021:8 bilaga 12" in verdict.gaps[0].what


def test_superseded_intyg_does_not_count():
    # A signed intyg that a correction replaced no longer counts; the correction is still a draft →
    # a4 is missing its kvalitetsarbete, and the next step is to get the written intyg signed.
    data = ready_2015()
    old = cert("sosfs2015_b6", "a4", superseded=True)
    correction = cert("sosfs2015_b6", "a4", signed=False, roles=[], signers=[])
    verdict = specialist_readiness(replace(data, certificates=[*without(data, "sosfs2015_b6"), old, correction]))

    assert codes(verdict) == [GOAL_MISSING]
    assert "not validly signed" in verdict.gaps[0].next_step


def test_signed_correction_counts():
    # The superseded intyg does not count but its signed correction does → ready.
    data = ready_2015()
    old = cert("sosfs2015_b6", "a4", superseded=True)
    correction = cert("sosfs2015_b6", "a4")
    certificates = [*without(data, "sosfs2015_b6"), old, correction]

    assert specialist_readiness(replace(data, certificates=certificates)).ready is True


def test_unsigned_intyg_does_not_count():
    # Only signed intyg count (st-rules-reference §3.5 item 4): a draft skriftligt arbete intyg for a5
    # leaves a5's skriftligt arbete group open.
    data = ready_2015()
    draft = cert("sosfs2015_b7", "a5", signed=False, roles=[], signers=[])
    verdict = specialist_readiness(replace(data, certificates=[*without(data, "sosfs2015_b7"), draft]))

    assert codes(verdict) == [GOAL_MISSING]
    assert verdict.gaps[0].what.startswith("a5:")


def test_course_intyg_may_be_signed_by_the_course_leader():
    # Bilaga 5 (kurs) is signed by the kursledare OR the handledare → a kursledare's signature is valid.
    data = ready_2015()
    course = cert("sosfs2015_b5", "a5", "b5", "c6", roles=["course_leader"])

    assert specialist_readiness(replace(data, certificates=[*without(data, "sosfs2015_b5"), course])).ready


# Summary intyg and signatures ------------------------------------------------------------------


def test_2015_summary_missing_blocks():
    # SOSFS 2015:8 7 kap.: the application needs bilaga 2 (intyg om uppnådd specialistkompetens).
    data = ready_2015()
    verdict = specialist_readiness(replace(data, certificates=without(data, "sosfs2015_b2")))

    assert codes(verdict) == [SUMMARY_MISSING]


def test_2015_summary_by_appointed_specialist_is_valid():
    # Bilaga 2: verksamhetschef OR the specialist the verksamhetschef appointed, plus the huvudhandledare.
    data = ready_2015()
    summary = cert("sosfs2015_b2", roles=["appointed", "main_supervisor"], signers=[60, MAIN_SUPERVISOR])

    assert specialist_readiness(replace(data, certificates=[*without(data, "sosfs2015_b2"), summary])).ready


def test_2015_summary_without_the_main_supervisor_is_wrongly_signed():
    # Bilaga 2 needs the huvudansvarig handledare too: signed by the verksamhetschef alone → wrongly
    # signed (naming the missing role), and therefore no valid summary either.
    data = ready_2015()
    summary = cert("sosfs2015_b2", roles=["unit_head"], signers=[50])
    verdict = specialist_readiness(replace(data, certificates=[*without(data, "sosfs2015_b2"), summary]))

    assert sorted(codes(verdict)) == [SUMMARY_MISSING, WRONGLY_SIGNED]
    wrong = next(gap for gap in verdict.gaps if gap.code == WRONGLY_SIGNED)
    assert "huvudansvarig handledare" in wrong.what


def test_2021_needs_both_summary_forms():
    # HSLF-FS 2021:8: bilaga 6 (fullgjord ST, verksamhetschef) and bilaga 7 are both required.
    data = ready_2021()
    verdict = specialist_readiness(replace(data, certificates=without(data, "hslf2021_b6")))

    assert codes(verdict) == [SUMMARY_MISSING]
    assert "bilaga 6" in verdict.gaps[0].what


def test_2021_bilaga_7_without_second_specialist_is_wrongly_signed():
    # Bilaga 7: huvudansvarig handledare AND a second specialist; only the huvudhandledare signed.
    data = ready_2021()
    b7 = cert("hslf2021_b7", roles=["main_supervisor"], signers=[MAIN_SUPERVISOR])
    verdict = specialist_readiness(replace(data, certificates=[*without(data, "hslf2021_b7"), b7]))

    assert sorted(codes(verdict)) == [SUMMARY_MISSING, WRONGLY_SIGNED]
    assert verdict.ready is False


def test_trainee_signing_their_own_intyg_is_wrongly_signed():
    # An intyg certifies the trainee's work to Socialstyrelsen; the trainee cannot sign it. The clinical
    # intyg signed by the trainee does not count, so its three delmål are open as well.
    data = ready_2015()
    own = cert("sosfs2015_b4", "a5", "b5", "c6", signers=[TRAINEE])
    verdict = specialist_readiness(replace(data, certificates=[*without(data, "sosfs2015_b4"), own]))

    assert codes(verdict).count(WRONGLY_SIGNED) == 1
    assert codes(verdict).count(GOAL_MISSING) == 3
    assert "ST-läkare" in next(gap for gap in verdict.gaps if gap.code == WRONGLY_SIGNED).what


def test_second_specialist_same_as_main_supervisor_is_wrongly_signed():
    # Bilaga 7 asks for a specialist BESIDES the huvudhandledare: the same person signed both roles.
    data = ready_2021()
    b7 = cert("hslf2021_b7", roles=["main_supervisor", "second_specialist"], signers=[MAIN_SUPERVISOR])
    verdict = specialist_readiness(replace(data, certificates=[*without(data, "hslf2021_b7"), b7]))

    assert sorted(codes(verdict)) == [SUMMARY_MISSING, WRONGLY_SIGNED]
    assert "same person" in next(gap for gap in verdict.gaps if gap.code == WRONGLY_SIGNED).what


def test_paper_signatures_without_accounts_are_not_taken_for_one_person():
    # Signed on paper by two people without accounts (signer unknown): nothing says they are the same
    # person → bilaga 7 is valid and the trainee is ready.
    data = ready_2021()
    b7 = cert("hslf2021_b7", roles=["main_supervisor", "second_specialist"], signers=[None])

    assert specialist_readiness(replace(data, certificates=[*without(data, "hslf2021_b7"), b7])).ready


def test_draft_summary_is_not_wrongly_signed_only_missing():
    # A draft bilaga 2 with no signatures yet is not "wrongly signed": it is simply not signed.
    data = ready_2015()
    draft = cert("sosfs2015_b2", roles=[], signers=[], signed=False)
    verdict = specialist_readiness(replace(data, certificates=[*without(data, "sosfs2015_b2"), draft]))

    assert codes(verdict) == [SUMMARY_MISSING]


# Regional gates ---------------------------------------------------------------------------


def test_mid_st_required_and_not_done_blocks():
    # Region policy mid_st_required (Norrbotten: Mitt-i-ST mandatory, §3.5 item 7) and no visit yet.
    verdict = specialist_readiness(ready_2015(mid_st_done=False))

    assert codes(verdict) == [MID_ST]
    assert "Region Norrmark" in verdict.gaps[0].rule


def test_mid_st_not_required_is_no_gap():
    # A region that does not require Mitt-i-ST: its absence does not block.
    assert specialist_readiness(ready_2015(mid_st_required=False, mid_st_done=False)).ready is True


def test_final_review_required_and_not_ready_blocks():
    # SR-CONSULT: the studierektor reviews the portfolio and all intyg before the application is sent.
    verdict = specialist_readiness(ready_2021(final_review_ready=False))

    assert codes(verdict) == [FINAL_REVIEW]


def test_final_review_not_required_is_no_gap():
    # A region without the end-of-ST review requirement.
    assert specialist_readiness(ready_2021(final_review_required=False, final_review_ready=False)).ready


def test_everything_missing_lists_every_gap_in_rule_order():
    # A trainee early in a 2021 ST: time short, BT not approved, no intyg, gates open → every rule
    # reports, blocking; the earliest date is still the one time allows.
    data = ready_2021(
        fte_months=20.0,
        minimum_reached_on=date(2030, 3, 1),
        bt_approved_on=None,
        certificates=[],
        mid_st_done=False,
        final_review_ready=False,
    )
    verdict = specialist_readiness(data)

    assert codes(verdict) == [TIME, BT_NOT_APPROVED] + [GOAL_MISSING] * 4 + [SUMMARY_MISSING] * 2 + [
        MID_ST,
        FINAL_REVIEW,
    ]
    assert all(gap.severity == BLOCKING for gap in verdict.gaps)
    assert verdict.earliest_application == date(2030, 3, 1)


# BT application --------------------------------------------------------------------------------


def bt_ready(**changes):
    data = ready_2021(
        bt_approved_on=None,
        bt_primary_months=4.0,
        bt_acute_months=4.0,
        certificates=[
            cert("hslf2021_b2", "BT1"),
            cert("hslf2021_b3"),
            cert("hslf2021_b4", roles=["main_supervisor", "external"]),
        ],
    )
    return replace(data, **changes)


def test_bt_application_ready():
    # HSLF-FS 2021:8: BT ≥ 6 months (8), ≥ 3 in primary and 3 in acute care, BT1 covered by bilaga 2,
    # bilagor 3 and 4 signed → the BT application can be sent (ST delmål are not its business).
    verdict = bt_readiness(bt_ready())

    assert verdict.ready is True, verdict.gaps


def test_bt_application_needs_months_and_both_settings():
    # 5 months of BT with only 2 in acute care: short of 6 in total and of 3 in acute care.
    verdict = bt_readiness(bt_ready(bt_primary_months=3.0, bt_acute_months=2.0))

    assert codes(verdict) == [BT_TIME, BT_TIME]


def test_bt_application_needs_every_bt_delmal_and_summary():
    # BT1 has no bilaga 2 and bilaga 4 (uppnådd baskompetens) is missing.
    data = bt_ready()
    certificates = [cert("hslf2021_b3")]
    verdict = bt_readiness(replace(data, certificates=certificates))

    assert codes(verdict) == [GOAL_MISSING, SUMMARY_MISSING]
    assert verdict.gaps[0].what.startswith("BT1:")
