"""Demo ST-utbildningskontrakt and tillstyrkanden for seed_demo.

Every demo ST-läkare with a huvudhandledare gets a contract signed by every party around
the start of ST (one chef signed on paper). Ahmed Persson's contract waits for his
huvudhandledare, Erik Holmström (demo-handledare), so that login has something to sign.
Björkdalens hälsocentral has one tillstyrkan decided a month ago and one still undecided.

A trainee's contract is added only when the trainee has none and a tillstyrkan is matched
on the unit and the applicant, so running seed_demo again, on any day, adds nothing.
"""

from datetime import timedelta

from accounts.models import Region, Unit, User
from contracts import agreements
from contracts.enums import ContractRole, EndorsementDecision
from contracts.models import ContractSignature, HiringEndorsement, TrainingContract
from portfolio.demo import aware
from portfolio.models import Trainee

REGION_CODE = "norrmark"
WAITING_FOR_SUPERVISOR = "st-persson"
SIGNED_ON_PAPER = "st-aslund"  # the chef signed the printed contract
ENDORSEMENT_UNIT = "Björkdalens hälsocentral"

DECIDED = {
    "candidate_name": "Johanna Frisk",
    "planned_supervisor": "handledare-aberg",
    "previous_supervisor_statement": (
        "Johanna har gjort sin AT och ett års vikariat på Forsnäs hälsocentral. Hon är noggrann, "
        "tar ansvar för sina patienter och samarbetar väl med sköterskorna. Hon söker själv handledning "
        "när hon är osäker. Jag rekommenderar henne varmt för ST i allmänmedicin."
    ),
    "reason": "Enheten uppfyller kvalitetskriterierna, det finns en huvudhandledare med tid och "
    "handledarutlåtandet är gott.",
}
UNDECIDED = {
    "candidate_name": "Amir Haddad",
    "planned_supervisor": "demo-handledare",
    "previous_supervisor_statement": (
        "Amir har gjort BT i regionen med placering på medicinkliniken och hälsocentral. Han är "
        "omtyckt av patienterna och har god medicinsk kunskap; han behöver fortsatt stöd i att "
        "prioritera när mottagningen är full."
    ),
}


def seed(today):
    region = Region.objects.filter(code=REGION_CODE).first()
    if region is None:
        return
    trainees = (
        Trainee.objects.filter(unit__region=region, main_supervisor__isnull=False, study_director__isnull=False)
        .exclude(contracts__isnull=False)
        .select_related("user", "unit__region", "main_supervisor", "second_specialist", "study_director")
    )
    for trainee in trainees:
        _contract(trainee, today)
    unit = Unit.objects.filter(region=region, name=ENDORSEMENT_UNIT).first()
    if unit is not None:
        _endorsements(unit, today)


def _contract(trainee, today):
    contract = agreements.create_contract(trainee, by=trainee.study_director)
    signed_day = min(trainee.st_start, today) - timedelta(days=7)
    moment = aware(signed_day)
    rows = ContractSignature.objects.filter(contract=contract)
    if trainee.user.username == WAITING_FOR_SUPERVISOR:
        rows = rows.exclude(role=ContractRole.MAIN_SUPERVISOR)
    if trainee.user.username == SIGNED_ON_PAPER:
        rows.filter(role=ContractRole.UNIT_HEAD).update(signed_at=moment, on_paper=True)
    # Demo history: the rows are dated in the past, which the signing functions (always "now") cannot do.
    rows.filter(signed_at__isnull=True).update(signed_at=moment)
    dates = {"created_at": aware(signed_day - timedelta(days=7))}
    if trainee.user.username != WAITING_FOR_SUPERVISOR:
        dates["completed_at"] = moment
    TrainingContract.objects.filter(pk=contract.pk).update(**dates)


def _endorsements(unit, today):
    director = User.objects.filter(username="demo-studierektor").first()
    people = {user.username: user for user in User.objects.filter(username__in=["handledare-aberg", "demo-handledare"])}
    decided_on = today - timedelta(days=30)
    HiringEndorsement.objects.get_or_create(
        unit=unit,
        candidate_name=DECIDED["candidate_name"],
        defaults={
            "planned_supervisor": people.get(DECIDED["planned_supervisor"]),
            "planned_start": today + timedelta(days=45),
            "previous_supervisor_statement": DECIDED["previous_supervisor_statement"],
            "criteria_check": agreements.criteria_check(unit, decided_on),
            "decision": EndorsementDecision.ENDORSED,
            "reason": DECIDED["reason"],
            "decided_on": decided_on,
            "decided_by": director,
        },
    )
    HiringEndorsement.objects.get_or_create(
        unit=unit,
        candidate_name=UNDECIDED["candidate_name"],
        defaults={
            "planned_supervisor": people.get(UNDECIDED["planned_supervisor"]),
            "planned_start": today + timedelta(days=120),
            "previous_supervisor_statement": UNDECIDED["previous_supervisor_statement"],
            "criteria_check": agreements.criteria_check(unit, today),
        },
    )
