"""Quality criteria: every rule of contracts/criteria.py on hand-made facts (no database),
dispens and attestation, then the facts as read from the database and the reference data."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from contracts import criteria as crit
from contracts.criteria import StaffFact, TraineeFact, UnitFacts
from contracts.enums import CriterionOutcome, CriterionRule
from contracts.models import CriteriaSet, Criterion, CriterionAttestation, Dispensation, UnitProfile
from contracts.reference import load_criteria, named_sets
from portfolio.enums import Phase, PlanStatus
from tests.contracts.factories_units import (
    AttestationFactory,
    CriteriaSetFactory,
    CriterionFactory,
    DispensationFactory,
    HandledareStaffFactory,
    UnitProfileFactory,
    UnitStaffFactory,
    snapshot,
)
from tests.factories import RegionFactory, SpecialtyFactory, TraineeFactory, UnitFactory, UserFactory
from tests.portfolio.factories_plans import TrainingPlanFactory

MET = CriterionOutcome.MET
NOT_MET = CriterionOutcome.NOT_MET
DISPENSATION = CriterionOutcome.DISPENSATION
UNKNOWN = CriterionOutcome.UNKNOWN

TODAY = date(2026, 3, 15)
ALLMAN = 1
PSYK = 2
ERIK, MARIA, JOHAN = 11, 12, 13


def criterion(rule, parameter=None, pk=1):
    """An unsaved criterion: evaluate reads only its pk, rule and parameter."""
    value = Decimal(str(parameter)) if parameter is not None else None
    return Criterion(pk=pk, position=pk, code=f"k{pk}", text="…", rule=rule, parameter=value)


def specialist(name, percent=100, specialty=ALLMAN, **fields):
    return StaffFact(pk=None, name=name, specialty_id=specialty, percent=percent, **fields)


def handledare(name, user_id, hours="2", year=2018, specialty=ALLMAN, **fields):
    return StaffFact(
        pk=None,
        name=name,
        user_id=user_id,
        specialty_id=specialty,
        is_supervisor=True,
        supervisor_training_year=year,
        supervision_hours_per_week=Decimal(hours) if hours is not None else None,
        **fields,
    )


def trainee(name, supervisor_id=ERIK, supervisor_name="Erik Holmström", **fields):
    return TraineeFact(pk=hash(name) % 1000, name=name, main_supervisor_id=supervisor_id,
                       main_supervisor_name=supervisor_name, **fields)  # fmt: skip


def facts(**fields):
    values = {
        "unit_id": 1,
        "specialty_id": ALLMAN,
        "specialty_name": "Allmänmedicin",
        "self_study_norm": Decimal("4.0"),
        "supervision_norm": Decimal("1.0"),
    }
    return UnitFacts(**(values | fields))


def judge(unit_facts, rule, parameter=None, today=TODAY):
    [result] = crit.evaluate(unit_facts, [criterion(rule, parameter)], today)
    return result


# --- MIN_SPECIALISTS ---------------------------------------------------------------------


def test_two_specialists_meet_the_minimum_of_two():
    result = judge(facts(staff=(specialist("Erik Holmström"), specialist("Ingrid Lundin"))), "min_specialists", 2)

    assert result.outcome == MET
    assert "2" in result.evidence
    assert "Erik Holmström, Ingrid Lundin" in result.evidence


def test_one_specialist_and_one_of_another_specialty_fail_the_minimum_of_two():
    staff = (specialist("Erik Holmström"), specialist("Helena Marklund", specialty=PSYK), StaffFact(None, "Utan spec"))

    result = judge(facts(staff=staff), "min_specialists", 2)

    assert result.outcome == NOT_MET
    assert "Helena Marklund" not in result.evidence
    assert "1" in result.evidence and "2" in result.evidence


def test_no_specialist_at_all_fails():
    assert judge(facts(), "min_specialists", 2).outcome == NOT_MET


def test_a_rule_that_needs_a_number_without_one_is_not_judged():
    result = judge(facts(staff=(specialist("A"), specialist("B"))), "min_specialists", None)

    assert result.outcome == UNKNOWN


# --- SPECIALIST_PERCENT ------------------------------------------------------------------


def test_specialists_together_a_full_time_meet_100_percent():
    staff = (specialist("A", 60), specialist("B", 50), specialist("C", 80, specialty=PSYK))

    result = judge(facts(staff=staff), "specialist_percent", 100)

    assert result.outcome == MET
    assert "110" in result.evidence


def test_specialists_below_full_time_together_fail_100_percent():
    result = judge(facts(staff=(specialist("A", 50), specialist("B", 40))), "specialist_percent", 100)

    assert result.outcome == NOT_MET
    assert "90" in result.evidence and "100" in result.evidence


# --- SCOPE -------------------------------------------------------------------------------


def test_bhv_mhv_and_elderly_care_meet_the_scope():
    profile = UnitProfile(child_health=True, maternal_health=True, elderly_care=True)

    assert judge(facts(profile=profile), "scope").outcome == MET


def test_missing_mhv_fails_the_scope_and_says_what_is_missing():
    profile = UnitProfile(child_health=True, maternal_health=False, elderly_care=True)

    result = judge(facts(profile=profile), "scope")

    assert result.outcome == NOT_MET
    assert "MHV" in result.evidence
    assert "BHV" not in result.evidence


def test_scope_without_a_profile_is_not_judged():
    assert judge(facts(profile=None), "scope").outcome == UNKNOWN


# --- PERSONAL_SUPERVISOR -----------------------------------------------------------------


def test_every_trainee_with_a_huvudhandledare_on_the_staff_meets_personal_supervisor():
    staff = (handledare("Erik Holmström", ERIK), handledare("Maria Åberg", MARIA))
    trainees = (trainee("Sara Öberg"), trainee("Elin Håkansson", MARIA, "Maria Åberg"))

    result = judge(facts(staff=staff, trainees=trainees), "personal_supervisor")

    assert result.outcome == MET
    assert "2" in result.evidence


def test_a_huvudhandledare_outside_the_staff_fails_personal_supervisor():
    trainees = (trainee("Sara Öberg"), trainee("Oskar Eriksson", JOHAN, "Johan Lind"))

    result = judge(facts(staff=(handledare("Erik Holmström", ERIK),), trainees=trainees), "personal_supervisor")

    assert result.outcome == NOT_MET
    assert "Oskar Eriksson" in result.evidence and "Johan Lind" in result.evidence
    assert "Sara Öberg" not in result.evidence


def test_a_trainee_without_huvudhandledare_fails_personal_supervisor():
    trainees = (trainee("Julia Pettersson", None, ""),)

    result = judge(facts(staff=(handledare("Erik Holmström", ERIK),), trainees=trainees), "personal_supervisor")

    assert result.outcome == NOT_MET
    assert "Julia Pettersson" in result.evidence


def test_a_huvudhandledare_whose_staff_row_has_ended_fails_personal_supervisor():
    # The facts hold only the staff employed on the day; a row that ended is simply absent.
    assert judge(facts(staff=(), trainees=(trainee("Sara Öberg"),)), "personal_supervisor").outcome == NOT_MET


def test_personal_supervisor_without_trainees_is_met():
    assert judge(facts(), "personal_supervisor").outcome == MET


# --- SUPERVISOR_QUALIFIED ----------------------------------------------------------------


def test_a_specialist_huvudhandledare_with_training_on_the_staff_is_qualified():
    unit_facts = facts(staff=(handledare("Erik Holmström", ERIK),), trainees=(trainee("Sara"),))

    result = judge(unit_facts, "supervisor_qualified")

    assert result.outcome == MET


def test_the_persons_account_is_the_fallback_when_the_staff_row_says_nothing():
    row = handledare("Erik Holmström", ERIK, year=None, specialty=None)
    person = trainee("Sara", supervisor_specialty_id=ALLMAN, supervisor_training_year=2018)

    assert judge(facts(staff=(row,), trainees=(person,)), "supervisor_qualified").outcome == MET


def test_a_huvudhandledare_off_the_staff_is_judged_on_the_account():
    qualified = trainee("Sara", JOHAN, "Johan Lind", supervisor_specialty_id=ALLMAN, supervisor_training_year=2019)
    unqualified = trainee("Oskar", JOHAN, "Johan Lind", supervisor_specialty_id=ALLMAN)

    assert judge(facts(trainees=(qualified,)), "supervisor_qualified").outcome == MET
    assert judge(facts(trainees=(unqualified,)), "supervisor_qualified").outcome == NOT_MET


def test_the_staff_row_wins_over_the_account():
    # The unit's register records training the person's account does not (yet) show.
    row = handledare("Cecilia Hedlund", ERIK, year=2024)
    person = trainee("Filip", ERIK, "Cecilia Hedlund", supervisor_specialty_id=ALLMAN, supervisor_training_year=None)

    assert judge(facts(staff=(row,), trainees=(person,)), "supervisor_qualified").outcome == MET


def test_a_huvudhandledare_without_handledarutbildning_is_not_qualified():
    staff = (handledare("Erik Holmström", ERIK), handledare("Johan Lind", JOHAN, year=None))
    trainees = (trainee("Sara"), trainee("Oskar", JOHAN, "Johan Lind"))

    result = judge(facts(staff=staff, trainees=trainees), "supervisor_qualified")

    assert result.outcome == NOT_MET
    assert "Johan Lind" in result.evidence
    assert "Erik Holmström" not in result.evidence


def test_a_huvudhandledare_specialist_in_another_specialty_is_not_qualified():
    staff = (handledare("Helena Marklund", ERIK, specialty=PSYK),)

    result = judge(facts(staff=staff, trainees=(trainee("Sara", ERIK, "Helena Marklund"),)), "supervisor_qualified")

    assert result.outcome == NOT_MET
    assert "Helena Marklund" in result.evidence


def test_supervisor_qualified_without_any_huvudhandledare_is_not_judged():
    assert judge(facts(trainees=(trainee("Julia", None, ""),)), "supervisor_qualified").outcome == UNKNOWN
    assert judge(facts(), "supervisor_qualified").outcome == MET


# --- SUPERVISOR_TIME ---------------------------------------------------------------------


def test_every_handledare_with_hours_meets_supervisor_time():
    staff = (handledare("Erik Holmström", ERIK, hours="2"), handledare("Maria Åberg", MARIA, hours="1.5"))

    result = judge(facts(staff=staff, trainees=(trainee("Sara"),)), "supervisor_time")

    assert result.outcome == MET
    assert "1,5" in result.evidence or "1.5" in result.evidence


@pytest.mark.parametrize("hours", [None, "0"])
def test_a_handledare_without_time_fails_supervisor_time(hours):
    staff = (handledare("Erik Holmström", ERIK), handledare("Maria Åberg", MARIA, hours=hours), specialist("Ej hl"))

    result = judge(facts(staff=staff, trainees=(trainee("Sara"),)), "supervisor_time")

    assert result.outcome == NOT_MET
    assert "Maria Åberg" in result.evidence
    assert "Ej hl" not in result.evidence


def test_supervisor_time_without_handledare_but_with_trainees_is_not_judged():
    assert judge(facts(trainees=(trainee("Sara"),)), "supervisor_time").outcome == UNKNOWN
    assert judge(facts(), "supervisor_time").outcome == MET


# --- SUPERVISION_HOURS -------------------------------------------------------------------


def test_handledning_at_the_norm_for_everyone_meets_supervision_hours():
    trainees = (trainee("Sara", supervision_meets_norm=True), trainee("Elin", supervision_meets_norm=None))

    result = judge(facts(trainees=trainees), "supervision_hours")

    assert result.outcome == MET
    assert "Elin" in result.evidence  # named as not yet measured


def test_one_trainee_below_the_norm_fails_supervision_hours():
    trainees = (trainee("Sara", supervision_meets_norm=True), trainee("Oskar", supervision_meets_norm=False))

    result = judge(facts(trainees=trainees), "supervision_hours")

    assert result.outcome == NOT_MET
    assert "Oskar" in result.evidence and "Sara" not in result.evidence
    assert "1" in result.evidence  # the norm, hours a week


def test_supervision_hours_without_any_figure_is_not_judged():
    assert judge(facts(trainees=(trainee("Sara"),)), "supervision_hours").outcome == UNKNOWN
    assert judge(facts(), "supervision_hours").outcome == MET


# --- SELF_STUDY_HOURS --------------------------------------------------------------------


def test_four_hours_in_every_approved_iup_meet_self_study_of_four():
    trainees = (trainee("Sara", self_study_hours=Decimal("4.0")), trainee("Elin", self_study_hours=Decimal("5.0")))

    result = judge(facts(trainees=trainees), "self_study_hours", 4)

    assert result.outcome == MET
    assert "4" in result.evidence


def test_fewer_hours_in_one_iup_fail_self_study():
    trainees = (trainee("Sara", self_study_hours=Decimal("4.0")), trainee("Oskar", self_study_hours=Decimal("3.5")))

    result = judge(facts(trainees=trainees), "self_study_hours", 4)

    assert result.outcome == NOT_MET
    assert "Oskar" in result.evidence and "Sara" not in result.evidence
    assert "3,5" in result.evidence or "3.5" in result.evidence


def test_self_study_without_a_number_uses_the_regional_norm():
    trainees = (trainee("Sara", self_study_hours=Decimal("4.0")),)

    assert judge(facts(trainees=trainees, self_study_norm=Decimal("4")), "self_study_hours").outcome == MET
    assert judge(facts(trainees=trainees, self_study_norm=Decimal("5")), "self_study_hours").outcome == NOT_MET


def test_self_study_without_any_approved_iup_is_not_judged():
    assert judge(facts(trainees=(trainee("Sara"),)), "self_study_hours", 4).outcome == UNKNOWN


# --- LISTED_PER_TRAINEE ------------------------------------------------------------------


def test_enough_listed_patients_per_trainee_meet_the_criterion():
    profile = UnitProfile(listed_patients=3200)

    result = judge(facts(profile=profile, trainees=(trainee("A"), trainee("B"))), "listed_per_trainee", 1500)

    assert result.outcome == MET
    assert "3200" in result.evidence and "1600" in result.evidence


def test_too_few_listed_patients_per_trainee_fail():
    profile = UnitProfile(listed_patients=2000)

    result = judge(facts(profile=profile, trainees=(trainee("A"), trainee("B"))), "listed_per_trainee", 1500)

    assert result.outcome == NOT_MET
    assert "1000" in result.evidence


def test_listed_per_trainee_without_trainees_is_met_and_without_a_count_not_judged():
    assert judge(facts(profile=UnitProfile(listed_patients=10)), "listed_per_trainee", 1500).outcome == MET
    assert judge(facts(profile=UnitProfile(), trainees=(trainee("A"),)), "listed_per_trainee", 1500).outcome == UNKNOWN


# --- ATTESTED ----------------------------------------------------------------------------


def attestation(met, day=TODAY - timedelta(days=3), note="Tar emot studenter från alla yrkesgrupper."):
    return CriterionAttestation(met=met, date=day, note=note)


def test_attested_without_attestation_is_not_judged():
    assert judge(facts(), "attested").outcome == UNKNOWN


def test_the_latest_attestation_decides_an_attested_criterion():
    met = judge(facts(attestations={1: attestation(True)}), "attested")
    not_met = judge(facts(attestations={1: attestation(False, note="Inga AT-platser i år.")}), "attested")

    assert (met.outcome, not_met.outcome) == (MET, NOT_MET)
    assert "Inga AT-platser i år." in not_met.evidence
    assert f"{TODAY - timedelta(days=3):%Y-%m-%d}" in met.evidence
    assert met.attestation is not None


def test_an_attestation_dated_after_today_does_not_count():
    assert judge(facts(attestations={1: attestation(True, TODAY + timedelta(days=1))}), "attested").outcome == UNKNOWN


# --- dispens -----------------------------------------------------------------------------


def dispens(valid_until, granted_on=TODAY - timedelta(days=30)):
    return Dispensation(reason="Rekrytering pågår.", granted_on=granted_on, valid_until=valid_until)


def test_a_criterion_not_met_with_a_valid_dispens_is_dispensation():
    unit_facts = facts(staff=(specialist("A"),), dispensations={1: dispens(TODAY)})

    result = judge(unit_facts, "min_specialists", 2)

    assert result.outcome == DISPENSATION
    assert result.dispensation.valid_until == TODAY
    assert crit.count_not_met([result]) == 0


def test_an_expired_dispens_leaves_the_criterion_not_met():
    unit_facts = facts(staff=(specialist("A"),), dispensations={1: dispens(TODAY - timedelta(days=1))})

    result = judge(unit_facts, "min_specialists", 2)

    assert (result.outcome, result.dispensation) == (NOT_MET, None)
    assert crit.count_not_met([result]) == 1


def test_a_dispens_does_not_change_a_met_criterion():
    unit_facts = facts(staff=(specialist("A"), specialist("B")), dispensations={1: dispens(TODAY)})

    assert judge(unit_facts, "min_specialists", 2).outcome == MET


def test_results_follow_the_order_of_the_criteria_and_serialise():
    staff = (specialist("A"),)
    criteria = [criterion("min_specialists", 2, pk=1), criterion("scope", pk=2), criterion("attested", pk=3)]

    results = crit.evaluate(facts(staff=staff, dispensations={1: dispens(TODAY)}), criteria, TODAY)
    rows = crit.results_as_json(results)

    assert [row["outcome"] for row in rows] == ["dispensation", "unknown", "unknown"]
    assert rows[0]["dispensation"] == {"reason": "Rekrytering pågår.", "valid_until": TODAY.isoformat()}
    assert rows[0]["code"] == "k1" and rows[2]["attestation"] is None


def test_every_rule_has_an_evaluation():
    assert set(crit.RULES) == set(CriterionRule)


# --- facts from the database -------------------------------------------------------------


@pytest.fixture
def today():
    return date(2026, 3, 15)


@pytest.mark.django_db
def test_unit_facts_read_the_register_on_the_day(unit, trainee, supervisor, study_director, today):
    """Staff employed on the day, the profile, the unit's trainees with snapshot and latest
    approved IUP, the latest attestation and the valid dispens."""
    UnitProfileFactory(unit=unit, listed_patients=4200)
    HandledareStaffFactory(unit=unit, user=supervisor, percent=80)
    UnitStaffFactory(unit=unit, name="Slutat", until=today - timedelta(days=1))
    UnitStaffFactory(unit=unit, name="Börjar sen", since=today + timedelta(days=1))
    UnitStaffFactory(unit=unit, name="Slutar idag", until=today)
    snapshot(trainee, supervision_meets_norm=False)
    TrainingPlanFactory(trainee=trainee, version=1, status=PlanStatus.APPROVED, self_study_hours_per_week=Decimal("4"))
    TrainingPlanFactory(trainee=trainee, version=2, status=PlanStatus.APPROVED, self_study_hours_per_week=Decimal("3"))
    TrainingPlanFactory(trainee=trainee, version=3, status=PlanStatus.DRAFT, self_study_hours_per_week=Decimal("8"))
    attested = CriterionFactory(criteria_set__region=unit.region, rule=CriterionRule.ATTESTED, parameter=None)
    AttestationFactory(criterion=attested, unit=unit, met=False, date=today - timedelta(days=40))
    AttestationFactory(criterion=attested, unit=unit, met=True, date=today - timedelta(days=5), note="Senast")
    granted = date(2025, 1, 1)
    DispensationFactory(criterion=attested, unit=unit, granted_on=granted, valid_until=today - timedelta(days=1))
    valid = DispensationFactory(criterion=attested, unit=unit, granted_on=granted, valid_until=today)

    facts = crit.unit_facts(unit, today)

    assert [row.name for row in facts.staff] == [supervisor.name, "Slutar idag"]
    assert facts.staff[0].percent == 80 and facts.staff[0].user_training_year == 2018
    assert facts.profile.listed_patients == 4200
    [fact] = facts.trainees
    assert (fact.name, fact.main_supervisor_id) == ("Sara Öberg", supervisor.pk)
    assert fact.main_supervisor_name == supervisor.name
    assert fact.supervision_meets_norm is False
    assert fact.self_study_hours == Decimal("3")
    assert facts.attestations[attested.pk].note == "Senast"
    assert facts.dispensations[attested.pk] == valid
    assert facts.specialty_name == unit.specialty.name.lower()
    assert facts.self_study_norm == Decimal("4.0") and facts.supervision_norm == Decimal("1.0")


@pytest.mark.django_db
def test_unit_facts_leave_out_finished_and_closed_trainees(unit, trainee, today):
    finished = TraineeFactory(unit=unit, user=UserFactory(name="Klar"))
    snapshot(finished, phase=Phase.APPLIED)
    TraineeFactory(unit=unit, user=UserFactory(name="Avslutat konto", is_active=False))
    other = TraineeFactory(user=UserFactory(name="Annan enhet"))

    names = [fact.name for fact in crit.unit_facts(unit, today).trainees]

    assert names == ["Sara Öberg"]
    assert other.unit != unit


@pytest.mark.django_db
def test_unit_facts_use_a_fixed_number_of_queries(unit, trainee, supervisor, today, django_assert_num_queries):
    def count():
        unit_row = type(unit).objects.get(pk=unit.pk)
        with django_assert_num_queries(7):
            crit.unit_facts(unit_row, today)

    HandledareStaffFactory(unit=unit, user=supervisor)
    count()
    for number in range(3):
        person = UserFactory()
        HandledareStaffFactory(unit=unit, user=person)
        TraineeFactory(unit=unit, main_supervisor=person)
        AttestationFactory(unit=unit, criterion__criteria_set__region=unit.region, date=today)
        DispensationFactory(unit=unit, criterion__criteria_set__region=unit.region, granted_on=today, valid_until=today)
        UnitStaffFactory(unit=unit, name=f"Specialist {number}")
    count()


@pytest.mark.django_db
def test_evaluate_units_reads_many_units_in_the_same_queries(region, today, django_assert_num_queries):
    criteria_set = CriteriaSetFactory(region=region)
    CriterionFactory(criteria_set=criteria_set, rule=CriterionRule.MIN_SPECIALISTS, parameter=2)
    units = [UnitFactory(region=region) for _ in range(3)]
    UnitStaffFactory(unit=units[0], name="A")
    UnitStaffFactory(unit=units[0], name="B")
    elsewhere = UnitFactory(specialty=SpecialtyFactory(slug="psykiatri", name="Psykiatri"), region=region)

    with django_assert_num_queries(9):
        results = crit.evaluate_units([*units, elsewhere], today)

    assert [r.outcome for r in results[units[0].pk]] == [MET]
    assert [r.outcome for r in results[units[1].pk]] == [NOT_MET]
    assert results[elsewhere.pk] == []


@pytest.mark.django_db
def test_a_whole_unit_through_the_database(unit, trainee, supervisor, second_specialist, today):
    load_criteria(unit.region, "norrbotten")
    UnitProfileFactory(unit=unit)
    HandledareStaffFactory(unit=unit, user=supervisor)
    UnitStaffFactory(unit=unit, user=second_specialist)
    snapshot(trainee, supervision_meets_norm=True)
    TrainingPlanFactory(trainee=trainee, status=PlanStatus.APPROVED, self_study_hours_per_week=Decimal("4"))

    outcomes = {r.criterion.code: r.outcome for r in crit.evaluate_unit(unit, today)}

    assert outcomes == {
        "specialister": MET,
        "bredd": MET,
        "personlig-handledare": MET,
        "handledningstid": MET,
        "handledarkompetens": MET,
        "handledartid": MET,
        "kompetensutvecklingstid": MET,
        "utbildningsplatser": UNKNOWN,
    }


# --- reference data ----------------------------------------------------------------------


def test_the_file_has_norrbotten_and_vastra_gotaland_with_valid_rules():
    sets = named_sets()

    assert set(sets) == {"norrbotten", "vastra-gotaland"}
    for entry in sets.values():
        assert entry["source"] and entry["verification"]
        for row in entry["criteria"]:
            assert row["rule"] in CriterionRule.values
            assert row["text"] and row["note"]
            assert ("[S]" in row["note"]) or ("[P]" in row["note"])
    assert [row["rule"] for row in sets["norrbotten"]["criteria"]][:2] == ["min_specialists", "scope"]


@pytest.mark.django_db
def test_load_criteria_is_idempotent_and_keeps_hand_made_criteria(region):
    [criteria_set] = load_criteria(region, "norrbotten")
    Criterion.objects.filter(criteria_set=criteria_set, code="specialister").update(text="Ändrad", parameter=3)
    CriterionFactory(criteria_set=criteria_set, code="egen", position=99)

    load_criteria(region, "norrbotten")

    assert CriteriaSet.objects.filter(region=region).count() == 1
    assert criteria_set.criteria.count() == len(named_sets()["norrbotten"]["criteria"]) + 1
    first = criteria_set.criteria.get(code="specialister")
    assert (first.position, first.parameter) == (1, Decimal("2"))
    assert first.text.startswith("Hälsocentralen har minst två")


@pytest.mark.django_db
def test_load_criteria_without_a_region_uses_the_region_with_the_sets_code(db):
    vgr = RegionFactory(name="Västra Götalandsregionen", code="vastra-gotaland")
    RegionFactory(name="Region Norrmark", code="norrmark")

    loaded = load_criteria()

    assert [s.region for s in loaded] == [vgr]
    assert vgr.criteria_sets.get().criteria.filter(rule=CriterionRule.LISTED_PER_TRAINEE).get().parameter == 1500


@pytest.mark.django_db
def test_load_criteria_refuses_an_unknown_set(region):
    with pytest.raises(ValueError, match="norrmark"):
        load_criteria(region)
    with pytest.raises(ValueError, match="okand"):
        load_criteria(region, "okand")
