"""Demo SPUR inspections for seed_demo.

Björkdalens hälsocentral was inspected about four years ago under both regulations. Area H
got a D under HSLF-FS 2021:8, adjusted to C once the handlingsplan was accepted; the plan is
still open, with one follow-up overdue. Kustby hälsocentral was inspected about two years
ago and has done everything in its plan.

Every row is matched on a natural key (the unit and the inspectors; the area and criterion
of a measure), so running seed_demo again, on any day, adds nothing.
"""

from datetime import date, timedelta

from accounts.models import Region, Unit, User
from contracts.enums import ImprovementStatus, InspectedRegulation, SpurArea
from contracts.models import AreaGrade, ImprovementItem, Inspection
from portfolio.timecalc import add_months

REGION_CODE = "norrmark"
S15, S21 = InspectedRegulation.SOSFS_2015_8, InspectedRegulation.HSLF_FS_2021_8
DONE, IN_PROGRESS, PLANNED = ImprovementStatus.DONE, ImprovementStatus.IN_PROGRESS, ImprovementStatus.PLANNED

# area: (grade under SOSFS 2015:8, grade under HSLF-FS 2021:8, the inspectors' text)
BJORKDALEN_GRADES = {
    SpurArea.A: ("B", "B", "Ett brett uppdrag med blandad lista och egen BVC. Riktlinjer för ST finns i regionen."),
    SpurArea.B: ("B", "B", "Alla huvudhandledare är specialister med handledarutbildning; studierektor finns nära."),
    SpurArea.C: ("B", "B", "Egna mottagningsrum för ST-läkarna. Videoutrustning saknas i ett av rummen."),
    SpurArea.D: ("A", "B", "IUP finns för alla och revideras årligen; introduktionen är genomtänkt."),
    SpurArea.E: ("B", "B", "Schemalagd handledning varje vecka. Kompetensvärderingar görs men dokumenteras ojämnt."),
    SpurArea.F: ("C", "C", "Kurserna följer målbeskrivningen, men internutbildningen saknar koppling till delmålen."),
    SpurArea.G: ("B", "B", "Kvalitetsarbeten genomförs och redovisas på enhetens möten."),
    SpurArea.H: (
        "C",
        "D",
        "Bedömning av ledarskap och kommunikation sker sällan och dokumenteras inte; "
        "ST-läkarna får få tillfällen att undervisa.",
    ),
}
KUSTBY_GRADES = {
    SpurArea.A: ("A", None, "Stabil verksamhet med tydliga skriftliga riktlinjer för ST."),
    SpurArea.B: ("B", None, "God tillgång till handledare; två har gått uppdateringskurs senaste året."),
    SpurArea.C: ("B", None, "Ändamålsenliga lokaler efter ombyggnaden."),
    SpurArea.D: ("B", None, "Tjänstgöringen planeras väl, även sidotjänstgöringen."),
    SpurArea.E: ("C", None, "Handledningen är regelbunden men sidotjänstgöringen följs inte upp systematiskt."),
    SpurArea.F: ("B", None, "Avsatt tid för självstudier finns i schemat."),
    SpurArea.G: ("B", None, "Journalklubb varannan vecka."),
    SpurArea.H: ("B", None, "ST-läkarna undervisar studenter och leder teamträffar."),
}


def _tuesday_before(day: date) -> date:
    return day - timedelta(days=(day.weekday() - 1) % 7)


def seed(today: date) -> None:
    region = Region.objects.filter(code=REGION_CODE).first()
    if region is None:
        return
    units = {unit.name: unit for unit in Unit.objects.filter(region=region)}
    director = User.objects.filter(username="demo-studierektor").first()
    if "Björkdalens hälsocentral" in units:
        _bjorkdalen(units["Björkdalens hälsocentral"], today, director)
    if "Kustby hälsocentral" in units:
        _kustby(units["Kustby hälsocentral"], today, director)


def _inspection(unit, inspectors, visit, director, **fields):
    inspection, _created = Inspection.objects.get_or_create(
        unit=unit,
        inspectors=inspectors,
        defaults={"date": visit, "created_by": director, "report_received_on": visit + timedelta(days=35), **fields},
    )
    return inspection


def _grades(inspection, table):
    for area, (grade_2015, grade_2021, text) in table.items():
        for regulation, grade in ((S15, grade_2015), (S21, grade_2021)):
            if grade is not None:
                AreaGrade.objects.get_or_create(
                    inspection=inspection,
                    area=area,
                    regulation=regulation,
                    defaults={"grade": grade, "narrative": text},
                )


def _items(inspection, rows):
    for area, criterion, fields in rows:
        ImprovementItem.objects.get_or_create(inspection=inspection, area=area, criterion=criterion, defaults=fields)


def _bjorkdalen(unit, today, director):
    visit = _tuesday_before(add_months(today, -48))
    inspection = _inspection(
        unit,
        "Margareta Holm och Lars Ekström (SFAM)",
        visit,
        director,
        regulations=[S15, S21],
        strengths="Engagerade handledare och ett öppet klimat där ST-läkarna får fråga.\n"
        "Bred patientlista med både BVC och särskilt boende.",
        weaknesses="Ledarskap och kommunikation bedöms sällan och utan dokumentation.\n"
        "Internutbildningen planeras termin för termin utan koppling till delmålen.",
        improvements="Schemalägg medsittningar med fokus på samtalet och låt ST-läkarna leda "
        "enhetens möten i tur och ordning.",
    )
    _grades(inspection, BJORKDALEN_GRADES)
    AreaGrade.objects.filter(inspection=inspection, area=SpurArea.H, regulation=S21, adjusted_grade="").update(
        adjusted_grade="C",
        adjusted_on=visit + timedelta(days=150),
        adjustment_note="Lipus godtog handlingsplanen för område H och justerade bedömningen till C.",
    )
    _items(
        inspection,
        [
            (
                SpurArea.H,
                "ST-läkaren bedöms fortlöpande i ledarskap och samarbete med andra yrkesgrupper, med återkoppling.",
                {
                    "planned_action": "Handledaren hämtar in synpunkter från sjuksköterskor och undersköterskor "
                    "en gång per termin och går igenom dem med ST-läkaren.",
                    "due_on": visit + timedelta(days=120),
                    "responsible": "Huvudhandledare",
                    "follow_up_on": visit + timedelta(days=200),
                    "follow_up_responsible": "Studierektor",
                    "status": DONE,
                    "outcome": "Infört från hösten; återkopplingen finns i portföljen för alla ST-läkare.",
                    "done_on": visit + timedelta(days=190),
                },
            ),
            (
                SpurArea.H,
                "ST-läkarens kommunikativa kompetens bedöms fortlöpande och återkoppling ges.",
                {
                    "planned_action": "Två dokumenterade medsittningar per termin med samtalet i fokus, "
                    "av handledaren eller en annan specialist.",
                    "due_on": today - timedelta(days=45),
                    "responsible": "Handledare och ST-läkare",
                    "follow_up_on": today - timedelta(days=12),
                    "follow_up_responsible": "Verksamhetschef",
                    "status": IN_PROGRESS,
                    "outcome": "",
                },
            ),
            (
                SpurArea.F,
                "Internutbildningen är systematiskt kopplad till delmålen.",
                {
                    "planned_action": "En terminsplan för internutbildningen där varje tillfälle anger vilka "
                    "delmål det stödjer.",
                    "due_on": today + timedelta(days=30),
                    "responsible": "Studierektor",
                    "follow_up_on": today + timedelta(days=75),
                    "follow_up_responsible": "Verksamhetschef",
                    "status": PLANNED,
                    "outcome": "",
                },
            ),
        ],
    )


def _kustby(unit, today, director):
    visit = _tuesday_before(add_months(today, -24))
    inspection = _inspection(
        unit,
        "Anders Nyström och Karin Wallin (SFAM)",
        visit,
        director,
        regulations=[S15],
        strengths="Tydlig struktur för ST och stöttande ledning.\nRegelbunden journalklubb.",
        weaknesses="Sidotjänstgöringen följs inte upp på ett samlat sätt.",
        improvements="Inför ett uppföljningssamtal efter varje sidotjänstgöring.",
    )
    _grades(inspection, KUSTBY_GRADES)
    _items(
        inspection,
        [
            (
                SpurArea.E,
                "Sidotjänstgöringen följs upp.",
                {
                    "planned_action": "Uppföljningssamtal med huvudhandledaren inom en månad efter varje "
                    "sidotjänstgöring, med skriftlig sammanfattning.",
                    "due_on": visit + timedelta(days=90),
                    "responsible": "Huvudhandledare",
                    "follow_up_on": visit + timedelta(days=180),
                    "follow_up_responsible": "Studierektor",
                    "status": DONE,
                    "outcome": "Samtalen hålls och sammanfattningarna finns i portföljen.",
                    "done_on": visit + timedelta(days=160),
                },
            ),
            (
                SpurArea.E,
                "Handledaren inhämtar bedömningar från sidotjänstgöringens handledare.",
                {
                    "planned_action": "Mall för bedömning som sidotjänstgöringens handledare fyller i.",
                    "due_on": visit + timedelta(days=120),
                    "responsible": "Studierektor",
                    "follow_up_on": visit + timedelta(days=180),
                    "follow_up_responsible": "Verksamhetschef",
                    "status": DONE,
                    "outcome": "Mallen används sedan våren.",
                    "done_on": visit + timedelta(days=150),
                },
            ),
        ],
    )
