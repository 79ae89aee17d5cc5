import pytest

from portfolio.curricula import load_reference_data
from portfolio.enums import ActivityType, CurriculumKind, RegulationCode, Setting
from portfolio.models import Curriculum, Goal, GoalRequirement, Regulation

pytestmark = pytest.mark.django_db


def curriculum(regulation_code, kind=CurriculumKind.ST):
    queryset = Curriculum.objects.filter(regulation__code=regulation_code, kind=kind)
    if kind == CurriculumKind.ST:
        queryset = queryset.filter(specialty__slug="allmanmedicin")
    return queryset.get()


def codes(curriculum_obj, group):
    return list(curriculum_obj.goals.filter(group=group).order_by("position").values_list("code", flat=True))


def test_allmanmedicin_2015_has_a1_a6_b1_b5_c1_c14():
    am15 = curriculum(RegulationCode.SOSFS_2015_8)
    assert codes(am15, "a") == [f"a{n}" for n in range(1, 7)]
    assert codes(am15, "b") == [f"b{n}" for n in range(1, 6)]
    assert codes(am15, "c") == [f"c{n}" for n in range(1, 15)]


def test_allmanmedicin_2021_has_sta1_7_stb1_4_stc1_15():
    am21 = curriculum(RegulationCode.HSLF_FS_2021_8)
    assert codes(am21, "STa") == [f"STa{n}" for n in range(1, 8)]
    assert codes(am21, "STb") == [f"STb{n}" for n in range(1, 5)]
    assert codes(am21, "STc") == [f"STc{n}" for n in range(1, 16)]


def test_bt_has_bt1_bt18_without_specialty():
    bt = curriculum(RegulationCode.HSLF_FS_2021_8, CurriculumKind.BT)
    assert bt.specialty is None
    assert codes(bt, "BT") == [f"BT{n}" for n in range(1, 19)]


def requirement_groups(curriculum_obj, code):
    goal = curriculum_obj.goals.get(code=code)
    return [sorted((r.activity_type, r.setting) for r in group) for group in goal.requirement_groups()]


def test_b5_is_clinical_or_auskultation_plus_course():
    assert requirement_groups(curriculum(RegulationCode.SOSFS_2015_8), "b5") == [
        [(ActivityType.AUSKULTATION, Setting.ANY), (ActivityType.CLINICAL, Setting.ANY)],
        [(ActivityType.COURSE, Setting.ANY)],
    ]


def test_stc15_is_one_alternative_group_clinical_or_course():
    am21 = curriculum(RegulationCode.HSLF_FS_2021_8)
    assert requirement_groups(am21, "STc15") == [
        [(ActivityType.CLINICAL, Setting.ANY), (ActivityType.COURSE, Setting.ANY)]
    ]
    assert am21.goals.get(code="STc15").course_required is False


def test_a4_and_a5_need_their_own_activity_types():
    am15 = curriculum(RegulationCode.SOSFS_2015_8)
    assert [ActivityType.QUALITY_WORK] in [[a for a, _ in g] for g in requirement_groups(am15, "a4")]
    assert [ActivityType.WRITTEN_WORK] in [[a for a, _ in g] for g in requirement_groups(am15, "a5")]


def test_sta3_is_met_by_its_own_certificate():
    assert requirement_groups(curriculum(RegulationCode.HSLF_FS_2021_8), "STa3") == [
        [(ActivityType.SCIENCE_STA3, Setting.ANY)]
    ]


def test_c6_needs_relevant_unit_primary_care_and_course():
    assert requirement_groups(curriculum(RegulationCode.SOSFS_2015_8), "c6") == [
        [(ActivityType.CLINICAL, Setting.RELEVANT)],
        [(ActivityType.CLINICAL, Setting.PRIMARY_CARE)],
        [(ActivityType.COURSE, Setting.ANY)],
    ]


@pytest.mark.parametrize(
    ("regulation_code", "with_course"),
    [
        (RegulationCode.SOSFS_2015_8, {"a1", "a2", "a5", "a6", "b1", "b2", "b3", "b4", "b5", "c3", "c6", "c14"}),
        (
            RegulationCode.HSLF_FS_2021_8,
            {"STa1", "STa4", "STa5", "STa6", "STb1", "STb2", "STb3", "STb4", "STc3", "STc6", "STc14"},
        ),
    ],
)
def test_course_required_flags_match_the_reference(regulation_code, with_course):
    goals = curriculum(regulation_code).goals.prefetch_related("requirements")
    assert {goal.code for goal in goals if goal.course_required} == with_course


def test_every_goal_carries_a_verification_note():
    assert not Goal.objects.filter(source_note="").exists()
    # Only the common 2015 a/b delmål were read in official text.
    verified = set(Goal.objects.filter(verification="V").values_list("code", flat=True))
    assert verified == {f"a{n}" for n in range(1, 7)} | {f"b{n}" for n in range(1, 6)}


def test_regulation_parameters():
    r15 = Regulation.objects.get(code=RegulationCode.SOSFS_2015_8)
    r21 = Regulation.objects.get(code=RegulationCode.HSLF_FS_2021_8)
    assert (r15.min_fte_months, r15.min_fte_months_with_doctorate, r15.bt_required) == (60, 54, False)
    assert (r21.min_fte_months, r21.bt_required, r21.bt_min_months) == (66, True, 6)
    assert "inte verifierat" in r21.source_note


def test_loading_again_changes_nothing_and_restores_edits():
    goal = Goal.objects.get(curriculum__regulation__code=RegulationCode.SOSFS_2015_8, code="b5")
    goal.title = "Ändrad"
    goal.save(update_fields=["title"])
    counts = (Curriculum.objects.count(), Goal.objects.count(), GoalRequirement.objects.count())

    written = load_reference_data()

    assert written == 25 + 26 + 18
    assert (Curriculum.objects.count(), Goal.objects.count(), GoalRequirement.objects.count()) == counts
    goal.refresh_from_db()
    assert goal.title == "Palliativ vård i livets slutskede"
