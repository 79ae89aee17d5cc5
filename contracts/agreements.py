"""The ST-utbildningskontrakt and the studierektor's tillstyrkan before hiring.

Same shape as portfolio/iup.py: each function that changes something locks the row it
changes inside one transaction, checks the actor (PermissionDenied) and the stored
state (ValidationError with a Swedish message and a `code`), saves only what it
changes and writes an audit event.

Contract: created by the studierektor or chef with one unsigned row per party. Its
text and parties can be changed while nobody has signed; after the first signature
they are frozen, and a correction is a new version that `supersedes` the old one.
Each party signs their own row; the studierektor may record that a party signed on
paper. The last signature sets `completed_at` once (the contract row is locked, and
the update only fills an empty `completed_at`).

The sign page carries the digest of what it showed (`contract_fingerprint`); `sign_contract`
refuses (code "changed") when the text or the parties changed between reading and signing.

Tillstyrkan: written by a studierektor of the unit with the unit's quality criteria as
evaluated that day; the decision is recorded once and is final.

The guards at the end of the module refuse a change to a frozen contract, a signed row
or a decided tillstyrkan even when the change comes from somewhere other than these
functions (the admin, a shell): the models cannot carry the guard themselves here.
"""

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models.signals import pre_delete, pre_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import locking
from accounts.domain import policy_for, record_event
from accounts.enums import Role
from accounts.models import User
from contracts import criteria as evaluation
from contracts import rules_agreements  # noqa: F401 -- registers the permissions used below
from contracts.enums import ContractRole, CriterionOutcome, EndorsementDecision
from contracts.models import ContractSignature, HiringEndorsement, TrainingContract
from portfolio.models import FrozenRecordError, Trainee
from portfolio.reminders import ReminderItem, link, register_source

MANAGE_PERM = "contracts.manage_contract"
PAPER_PERM = "contracts.record_paper_signature"
VIEW_ENDORSEMENTS_PERM = "contracts.view_endorsements"
MANAGE_ENDORSEMENT_PERM = "contracts.manage_endorsement"

DUTY_FIELDS = ("unit_duties", "supervisor_duties", "study_director_duties", "trainee_duties")
# What the guard freezes once a party has signed: the text and the parties.
CONTENT_FIELDS = ("trainee_id", "unit_id", "start", "second_specialist_id", *DUTY_FIELDS, "supersedes_id")
SIGNATURE_FIELDS = ("contract_id", "role", "signer_id", "name", "signed_at", "on_paper")
# What the studierektor writes on a tillstyrkan before deciding it.
ENDORSEMENT_INPUTS = (
    "candidate_name",
    "candidate",
    "planned_start",
    "planned_supervisor",
    "previous_supervisor_statement",
)
ENDORSEMENT_FIELDS = (
    "candidate_name",
    "candidate_id",
    "planned_start",
    "planned_supervisor_id",
    "previous_supervisor_statement",
)
# The order the parties are listed and signed in.
ROLE_ORDER = [
    ContractRole.UNIT_HEAD,
    ContractRole.STUDY_DIRECTOR,
    ContractRole.MAIN_SUPERVISOR,
    ContractRole.TRAINEE,
    ContractRole.SECOND_SPECIALIST,
]


def _require(user, perm, obj):
    if not user.has_perm(perm, obj):
        raise PermissionDenied(f"{user} lacks {perm} for {type(obj).__name__} {obj.pk}")


# --- Who the parties are --------------------------------------------------------------


def unit_heads(unit_id):
    return User.objects.filter(memberships__role=Role.UNIT_HEAD, memberships__unit=unit_id).order_by("name", "pk")


def unit_study_directors(unit_id):
    return User.objects.filter(memberships__role=Role.STUDY_DIRECTOR, memberships__unit=unit_id).order_by("name", "pk")


def unit_supervisors(unit_id):
    return User.objects.filter(memberships__role=Role.SUPERVISOR, memberships__unit=unit_id).order_by("name", "pk")


def _only(queryset):
    """The single person of the queryset, or None when there are none or several."""
    people = list(queryset[:2])
    return people[0] if len(people) == 1 else None


def _default_study_director(trainee):
    return trainee.study_director or _only(unit_study_directors(trainee.unit_id))


def _hours(value) -> str:
    """1.0 → "1", 1.5 → "1,5": how a Swedish contract writes hours."""
    value = Decimal(value).normalize()
    text = f"{value:f}".replace(".", ",")
    return text


def default_duties(trainee) -> dict[str, str]:
    """Short Swedish duty texts with the region's norms.

    They are the contract's own words, stored as data in Swedish whatever language the
    user reads the application in (like a signed paper contract); each party may change
    them before anyone signs.
    """
    policy = policy_for(trainee.unit.region)
    supervision = policy.supervision_hours_per_week
    hour_word = "timme" if Decimal(supervision) == 1 else "timmar"
    return {
        "unit_duties": (
            f"Enheten ger ST-läkaren schemalagd handledning minst {_hours(supervision)} {hour_word} i veckan och "
            f"kompetensutvecklingstid {_hours(policy.self_study_hours_per_week)} timmar i veckan inom arbetstiden. "
            "Enheten utser en huvudhandledare med handledarutbildning, avsätter tid för handledningen och ser till "
            "att tjänstgöringen och kurserna i IUP:n blir av."
        ),
        "supervisor_duties": (
            "Huvudhandledaren träffar ST-läkaren regelbundet för handledning, gör och dokumenterar "
            "kompetensvärderingar, tar fram och följer upp IUP:n tillsammans med ST-läkaren och skriver "
            "handledarutlåtande inför varje årsbesök."
        ),
        "study_director_duties": (
            "Studierektorn godkänner IUP:n, följer upp utbildningen vid årsbesök varje år, stöttar ST-läkare, "
            "handledare och chef och tar initiativ till en åtgärdsplan om utbildningen inte går som planerat."
        ),
        "trainee_duties": (
            "ST-läkaren håller sin portfölj och sin IUP aktuella, förbereder handledningen, ber om "
            "kompetensvärderingar och skriver årsrapport inför varje årsbesök."
        ),
    }


def contract_defaults(trainee) -> dict:
    """What a new contract starts from: the trainee's start, people and the default texts."""
    unit_head = _only(unit_heads(trainee.unit_id))
    return {
        "start": trainee.st_start,
        "second_specialist": trainee.second_specialist,
        "unit_head": unit_head,
        "unit_head_name": "",
        "study_director": _default_study_director(trainee),
        **default_duties(trainee),
    }


def _clean_fields(trainee, fields):
    """The contract's fields, stripped and checked; a dict of errors raises ValidationError."""
    cleaned = dict(fields)
    errors = {}
    for name in DUTY_FIELDS:
        cleaned[name] = (cleaned.get(name) or "").strip()
        if not cleaned[name]:
            errors[name] = ValidationError(_("Write what this party undertakes."), code="required")
    cleaned["unit_head_name"] = (cleaned.get("unit_head_name") or "").strip()
    if cleaned.get("start") is None:
        errors["start"] = ValidationError(_("Give the start of ST at the unit."), code="required")
    errors.update(_people_errors(trainee, cleaned))
    if errors:
        raise ValidationError(errors)
    return cleaned


def is_unit_head(trainee, user) -> bool:
    return user is not None and unit_heads(trainee.unit_id).filter(pk=user.pk).exists()


def is_study_director(trainee, user) -> bool:
    """The ST-läkare's named studierektor or a studierektor of the unit."""
    if user is None:
        return False
    return user.pk == trainee.study_director_id or unit_study_directors(trainee.unit_id).filter(pk=user.pk).exists()


def _people_errors(trainee, cleaned):
    errors = {}
    head, director = cleaned.get("unit_head"), cleaned.get("study_director")
    if head is not None and not is_unit_head(trainee, head):
        errors["unit_head"] = ValidationError(_("Choose a chef of the unit."), code="not_unit_head")
    if director is not None and not is_study_director(trainee, director):
        errors["study_director"] = ValidationError(
            _("Choose a studierektor of the unit or the ST-läkare's studierektor."), code="not_study_director"
        )
    second = cleaned.get("second_specialist")
    if second is not None and second.pk in (trainee.user_id, trainee.main_supervisor_id):
        errors["second_specialist"] = ValidationError(
            _("The second specialist must be someone other than the ST-läkare and the huvudhandledare."),
            code="second_specialist",
        )
    return errors


def _parties(trainee, cleaned):
    """(role, signer, name) for every party of the contract, in signing order."""
    head = cleaned.get("unit_head")
    director = cleaned.get("study_director")
    supervisor = trainee.main_supervisor
    rows = [
        (ContractRole.UNIT_HEAD, head, head.name if head else cleaned["unit_head_name"]),
        (ContractRole.STUDY_DIRECTOR, director, director.name if director else ""),
        (ContractRole.MAIN_SUPERVISOR, supervisor, supervisor.name if supervisor else ""),
        (ContractRole.TRAINEE, trainee.user, trainee.user.name),
    ]
    second = cleaned.get("second_specialist")
    if second is not None:
        rows.append((ContractRole.SECOND_SPECIALIST, second, second.name))
    return rows


def _contract_values(cleaned):
    return {
        "start": cleaned["start"],
        "second_specialist": cleaned.get("second_specialist"),
        **{name: cleaned[name] for name in DUTY_FIELDS},
    }


# --- State ----------------------------------------------------------------------------


def is_frozen(contract, signatures=None) -> bool:
    """True once any party has signed (reads the given rows, or the database)."""
    if signatures is not None:
        return any(row.signed_at is not None for row in signatures)
    return contract.signatures.filter(signed_at__isnull=False).exists()


def missing_parties(signatures) -> list:
    """The rows that still lack a name: nobody signs before every party is named."""
    return [row for row in signatures if not row.name.strip()]


def ordered(signatures) -> list:
    return sorted(signatures, key=lambda row: ROLE_ORDER.index(row.role) if row.role in ROLE_ORDER else 99)


def _locked(contract):
    """The stored contract, locked until the transaction ends: signatures of one contract queue here."""
    return TrainingContract.objects.select_for_update(of=("self",)).select_related("trainee").get(pk=contract.pk)


def _superseded(contract) -> bool:
    return TrainingContract.objects.filter(supersedes=contract.pk).exists()


def _require_current(locked):
    if _superseded(locked):
        raise ValidationError(
            _("This contract has been replaced by a newer version and can no longer be changed or signed."),
            code="superseded",
        )


def _require_editable(locked):
    _require_current(locked)
    if is_frozen(locked):
        raise ValidationError(
            _("A party has signed this contract, so its text can no longer be changed. Make a new version instead."),
            code="signed",
        )


def _require_named(locked):
    if locked.signatures.filter(name="").exists():
        raise ValidationError(_("Name every party of the contract before anyone signs it."), code="parties_missing")


def _sync(contract, trainee, cleaned):
    """The signature rows match the parties (only while nobody has signed)."""
    wanted = _parties(trainee, cleaned)
    roles = [role for role, _signer, _name in wanted]
    contract.signatures.exclude(role__in=roles).delete()
    for role, signer, name in wanted:
        ContractSignature.objects.update_or_create(
            contract=contract, role=role, defaults={"signer": signer, "name": name}
        )


# --- Writing the contract -----------------------------------------------------------------


def create_contract(trainee, *, by, **fields):
    """A new contract for a trainee without one, with an unsigned row per party.

    Fields not given come from `contract_defaults`. A trainee who already has a
    contract gets a new version of it instead (`new_version`).
    """
    _require(by, MANAGE_PERM, trainee)
    cleaned = _clean_fields(trainee, {**contract_defaults(trainee), **fields})
    with transaction.atomic():
        # Lock the trainee: two clicks on "Create" must not both pass the check.
        list(Trainee.objects.select_for_update().filter(pk=trainee.pk).order_by().values_list("pk"))
        if TrainingContract.objects.filter(trainee=trainee).exists():
            raise ValidationError(
                _("This ST-läkare already has a contract; make a new version of it instead."), code="contract_exists"
            )
        contract = TrainingContract.objects.create(
            trainee=trainee, unit=trainee.unit, created_by=by, **_contract_values(cleaned)
        )
        _sync(contract, trainee, cleaned)
        record_event(by, "contract.created", contract, trainee=trainee.pk)
    return contract


@transaction.atomic
def update_contract(contract, *, by, **fields):
    """Change the text and the parties while nobody has signed."""
    locked = _locked(contract)
    trainee = locked.trainee
    _require(by, MANAGE_PERM, trainee)
    _require_editable(locked)
    current = {**current_fields(locked), **fields}
    cleaned = _clean_fields(trainee, current)
    values = _contract_values(cleaned)
    changed = [name for name, value in values.items() if getattr(locked, name) != value]
    for name in changed:
        setattr(locked, name, values[name])
    locked.save(update_fields=[*changed, "updated_at"])
    for name in [*changed, "updated_at"]:
        setattr(contract, name, getattr(locked, name))
    _sync(locked, trainee, cleaned)
    record_event(by, "contract.updated", contract, fields=changed)
    return contract


def current_fields(contract) -> dict:
    """The contract's editable fields as the form and `update_contract` take them."""
    rows = {row.role: row for row in contract.signatures.select_related("signer")}
    head = rows.get(ContractRole.UNIT_HEAD)
    director = rows.get(ContractRole.STUDY_DIRECTOR)
    return {
        "start": contract.start,
        "second_specialist": contract.second_specialist,
        "unit_head": head.signer if head else None,
        "unit_head_name": head.name if head and head.signer_id is None else "",
        "study_director": director.signer if director else None,
        **{name: getattr(contract, name) for name in DUTY_FIELDS},
    }


def new_version(contract, *, by):
    """A new unsigned contract that `supersedes` a signed (or partly signed) one.

    It keeps the text, the start, the chef and the studierektor; the huvudhandledare,
    the second specialist and the unit are today's. The old contract stays as it was.
    """
    try:
        with transaction.atomic():
            locked = _locked(contract)
            trainee = locked.trainee
            _require(by, MANAGE_PERM, trainee)
            _require_current(locked)
            if not is_frozen(locked):
                raise ValidationError(
                    _("Nobody has signed this contract yet; change it instead of making a new version."),
                    code="not_signed",
                )
            cleaned = _clean_fields(trainee, _next_version_fields(locked, trainee))
            new = TrainingContract.objects.create(
                trainee=trainee, unit=trainee.unit, supersedes=locked, created_by=by, **_contract_values(cleaned)
            )
            _sync(new, trainee, cleaned)
            record_event(by, "contract.new_version", new, supersedes=locked.pk)
    except IntegrityError as exc:
        raise ValidationError(
            _("This contract has been replaced by a newer version and can no longer be changed or signed."),
            code="superseded",
        ) from exc
    return new


def _next_version_fields(old, trainee):
    """The old contract's fields, with today's second specialist, and the chef and the
    studierektor kept only while they still hold that role for the trainee."""
    fields = {**current_fields(old), "second_specialist": trainee.second_specialist}
    defaults = contract_defaults(trainee)
    if fields["unit_head"] is not None and not is_unit_head(trainee, fields["unit_head"]):
        fields["unit_head"] = defaults["unit_head"]
    if not is_study_director(trainee, fields["study_director"]):
        fields["study_director"] = defaults["study_director"]
    if fields["second_specialist"] is not None and fields["second_specialist"].pk == trainee.main_supervisor_id:
        fields["second_specialist"] = None
    return fields


# --- Signing ----------------------------------------------------------------------------


def _complete_if_signed(locked, by):
    """Set `completed_at` when every row is signed; the filter on an empty value makes
    a second call (or a second last signature) change nothing."""
    if locked.signatures.filter(signed_at__isnull=True).exists():
        return False
    now = timezone.now()
    done = TrainingContract.objects.filter(pk=locked.pk, completed_at__isnull=True).update(
        completed_at=now, updated_at=now
    )
    if done:
        locked.completed_at = now
        record_event(by, "contract.completed", locked)
    else:
        locked.completed_at = TrainingContract.objects.values_list("completed_at", flat=True).get(pk=locked.pk)
    return bool(done)


def _unsigned_row(locked, role):
    row = locked.signatures.select_for_update().filter(role=role).first()
    if row is None:
        raise ValidationError(_("The contract has no party with that role."), code="unknown_role")
    if row.signed_at is not None:
        raise ValidationError(_("This party has already signed the contract."), code="already_signed")
    return row


def _after_signature(contract, locked, by):
    _complete_if_signed(locked, by)
    contract.completed_at = locked.completed_at


def contract_fingerprint(contract) -> str:
    """The digest of what a party reads and signs: the text and who the parties are (not who has signed)."""
    return locking.fingerprint(
        {
            "content": {name: getattr(contract, name) for name in CONTENT_FIELDS},
            "parties": list(contract.signatures.order_by("role").values_list("role", "signer_id", "name")),
        }
    )


def changed_error():
    return ValidationError(
        _(
            "The contract was changed while you were reading it, so you have not signed it. "
            "It is shown again below as it is now: read it through and sign if it is right."
        ),
        code=locking.CHANGED,
    )


@transaction.atomic
def sign_contract(contract, *, by, role, seen=None):
    """The person named on the row of `role` signs it; the last signature completes the contract.

    `seen` is the `contract_fingerprint` the sign page was shown with (None from code that shows no page).
    """
    locked = _locked(contract)
    row = locked.signatures.filter(role=role).first()
    if row is None or row.signer_id is None or row.signer_id != by.pk:
        raise PermissionDenied(f"{by} is not the named {role} of contract {contract.pk}")
    locked.trainee.require_active()
    _require_current(locked)
    _require_named(locked)
    row = _unsigned_row(locked, role)
    locking.require_seen(seen, contract_fingerprint(locked), changed_error())
    row.signed_at = timezone.now()
    row.save(update_fields=["signed_at"])
    record_event(by, "contract.signed", contract, role=role)
    _after_signature(contract, locked, by)
    return row


@transaction.atomic
def record_paper_signature(contract, *, by, role):
    """The studierektor records that the party of `role` signed the printed contract by hand."""
    locked = _locked(contract)
    _require(by, PAPER_PERM, locked.trainee)
    _require_current(locked)
    _require_named(locked)
    row = _unsigned_row(locked, role)
    row.on_paper = True
    row.signed_at = timezone.now()
    row.save(update_fields=["on_paper", "signed_at"])
    record_event(by, "contract.signed_on_paper", contract, role=role, name=row.name)
    _after_signature(contract, locked, by)
    return row


# --- Reading ------------------------------------------------------------------------------


def contracts_for(trainee):
    """The trainee's contracts, newest first, with their rows (for lists: no query per contract)."""
    return (
        TrainingContract.objects.filter(trainee=trainee)
        .select_related("unit", "supersedes")
        .prefetch_related("signatures", "superseded_by")
        .order_by("-created_at", "-pk")
    )


def signatures_waiting_for(user):
    """Rows waiting for this user's signature on current contracts that every party is named on."""
    if not user.is_authenticated:
        return ContractSignature.objects.none()
    return (
        _waiting_rows()
        .filter(signer=user)
        .select_related("contract__trainee__user")
        .order_by("contract__created_at", "pk")
    )


def _waiting_rows():
    unnamed = ContractSignature.objects.filter(contract=models.OuterRef("contract"), name="")
    return ContractSignature.objects.filter(
        signer__isnull=False,
        signed_at__isnull=True,
        contract__completed_at__isnull=True,
        contract__superseded_by__isnull=True,
    ).exclude(models.Exists(unnamed))


STATE_DRAFT, STATE_WAITING, STATE_COMPLETED, STATE_SUPERSEDED = "draft", "waiting", "completed", "superseded"


def state_of(contract, signatures, superseded: bool) -> str:
    """The contract's state from rows already loaded (the list makes no query per contract)."""
    if superseded:
        return STATE_SUPERSEDED
    if contract.completed_at is not None:
        return STATE_COMPLETED
    return STATE_WAITING if is_frozen(contract, signatures) else STATE_DRAFT


# --- Reminders ------------------------------------------------------------------------------


@register_source
def contract_signatures_waiting(today):
    """Every party named on a contract who has not signed yet: one essential item per row (one query)."""
    rows = (
        _waiting_rows()
        .filter(contract__trainee__archived_at__isnull=True)  # an archived trainee gets no reminders
        .values_list(
            "pk",
            "signer_id",
            "contract_id",
            "contract__trainee__user_id",
            "contract__trainee__user__name",
            "contract__created_at",
        )
        .order_by("pk")
    )
    for pk, signer_id, contract_id, trainee_user_id, name, created_at in rows:
        if signer_id == trainee_user_id:
            text = _("Your ST-utbildningskontrakt waits for your signature")
        else:
            text = _("ST-utbildningskontrakt for %(name)s waits for your signature") % {"name": name}
        url = link("contract-detail", contract_id)
        day = timezone.localdate(created_at)
        yield ReminderItem(signer_id, f"contract_sign:{pk}", text, url, day, overdue=False, essential=True)


# --- Tillstyrkan ------------------------------------------------------------------------------


def criteria_check(unit, today) -> list[dict]:
    """The unit's quality criteria as evaluated on `today` (contracts.criteria), as plain
    data: what a tillstyrkan stores, so it stays readable when the criteria change later."""
    criteria = evaluation.criteria_for(unit)
    if not criteria:
        return []
    return evaluation.results_as_json(evaluation.evaluate(evaluation.unit_facts(unit, today), criteria, today))


def outcome_label(outcome) -> str:
    return CriterionOutcome(outcome).label if outcome in CriterionOutcome.values else str(outcome)


def _clean_endorsement(unit, fields):
    errors = {}
    cleaned = dict(fields)
    cleaned["candidate_name"] = (cleaned.get("candidate_name") or "").strip()
    cleaned["previous_supervisor_statement"] = (cleaned.get("previous_supervisor_statement") or "").strip()
    if not cleaned["candidate_name"]:
        errors["candidate_name"] = ValidationError(_("Give the applicant's name."), code="required")
    if cleaned.get("planned_start") is None:
        errors["planned_start"] = ValidationError(_("Give the planned start."), code="required")
    supervisor = cleaned.get("planned_supervisor")
    if supervisor is not None and not unit_supervisors(unit.pk).filter(pk=supervisor.pk).exists():
        errors["planned_supervisor"] = ValidationError(
            _("Choose a handledare of the unit."), code="not_unit_supervisor"
        )
    if errors:
        raise ValidationError(errors)
    return {name: cleaned.get(name) for name in ENDORSEMENT_INPUTS}


def create_endorsement(unit, *, by, today=None, **fields):
    """A tillstyrkan waiting for the studierektor's decision, with today's criteria."""
    _require(by, MANAGE_ENDORSEMENT_PERM, unit)
    today = today or timezone.localdate()
    cleaned = _clean_endorsement(unit, fields)
    with transaction.atomic():
        endorsement = HiringEndorsement.objects.create(unit=unit, criteria_check=criteria_check(unit, today), **cleaned)
        record_event(by, "endorsement.created", endorsement, unit=unit.pk)
    return endorsement


def _locked_endorsement(endorsement):
    return HiringEndorsement.objects.select_for_update(of=("self",)).select_related("unit").get(pk=endorsement.pk)


def _require_undecided(locked):
    if locked.decision:
        raise ValidationError(_("The tillstyrkan has been decided and can no longer be changed."), code="decided")


@transaction.atomic
def update_endorsement(endorsement, *, by, **fields):
    """Change what the tillstyrkan is about while it is undecided."""
    locked = _locked_endorsement(endorsement)
    _require(by, MANAGE_ENDORSEMENT_PERM, locked.unit)
    _require_undecided(locked)
    current = {name: getattr(locked, name) for name in ENDORSEMENT_INPUTS}
    cleaned = _clean_endorsement(locked.unit, {**current, **fields})
    changed = [name for name, value in cleaned.items() if getattr(locked, name) != value]
    for name in changed:
        setattr(locked, name, cleaned[name])
        setattr(endorsement, name, cleaned[name])
    if changed:
        locked.save(update_fields=changed)
        record_event(by, "endorsement.updated", endorsement, fields=changed)
    return endorsement


@transaction.atomic
def decide_endorsement(endorsement, *, by, decision, reason="", today=None):
    """Record the decision once: endorsed, or not endorsed with a reason.

    The criteria are evaluated again on the day of the decision and stored with it:
    that is what the decision was based on.
    """
    locked = _locked_endorsement(endorsement)
    _require(by, MANAGE_ENDORSEMENT_PERM, locked.unit)
    _require_undecided(locked)
    reason = (reason or "").strip()
    if decision not in EndorsementDecision.values:
        raise ValidationError({"decision": ValidationError(_("Choose endorsed or not endorsed."), code="decision")})
    if decision == EndorsementDecision.NOT_ENDORSED and not reason:
        message = _("Give the reason why the hiring is not endorsed.")
        raise ValidationError({"reason": ValidationError(message, code="reason_required")})
    today = today or timezone.localdate()
    locked.decision = decision
    locked.reason = reason
    locked.decided_on = today
    locked.decided_by = by
    locked.criteria_check = criteria_check(locked.unit, today)
    fields = ["decision", "reason", "decided_on", "decided_by", "criteria_check"]
    locked.save(update_fields=fields)
    for name in fields:
        setattr(endorsement, name, getattr(locked, name))
    record_event(by, "endorsement.decided", endorsement, decision=decision)
    return endorsement


def endorsements_for(unit):
    return (
        HiringEndorsement.objects.filter(unit=unit)
        .select_related("planned_supervisor", "decided_by")
        .order_by("-created_at", "-pk")
    )


# --- Guards: frozen stays frozen, whoever saves ----------------------------------------------


def _stored(model, pk, fields):
    return model.objects.filter(pk=pk).values(*fields).first()


def _changed(instance, stored, fields):
    return stored is not None and any(getattr(instance, name) != stored[name] for name in fields)


@receiver(pre_save, sender=TrainingContract, dispatch_uid="contracts.agreements.contract_frozen")
def _contract_frozen(sender, instance, raw=False, **kwargs):
    if raw or instance.pk is None:
        return
    stored = _stored(TrainingContract, instance.pk, CONTENT_FIELDS)
    if _changed(instance, stored, CONTENT_FIELDS) and is_frozen(instance):
        raise FrozenRecordError("A party has signed this contract; make a new version instead of changing it.")


@receiver(pre_save, sender=ContractSignature, dispatch_uid="contracts.agreements.signature_frozen")
def _signature_frozen(sender, instance, raw=False, **kwargs):
    if raw or instance.pk is None:
        return
    stored = _stored(ContractSignature, instance.pk, SIGNATURE_FIELDS)
    if stored is None:
        return
    if stored["signed_at"] is not None and _changed(instance, stored, SIGNATURE_FIELDS):
        raise FrozenRecordError("A signed contract signature cannot be changed.")
    # An unsigned row of a frozen contract may only be signed, not given to someone else.
    identity = ("contract_id", "role", "signer_id", "name")
    others_signed = ContractSignature.objects.filter(contract=stored["contract_id"], signed_at__isnull=False)
    if _changed(instance, stored, identity) and others_signed.exists():
        raise FrozenRecordError("The parties of a signed contract cannot be changed.")


def _direct(origin, model):
    """True when the deletion starts at this model (a row or a queryset of it), not a cascade."""
    return isinstance(origin, model) or getattr(origin, "model", None) is model


@receiver(pre_delete, sender=ContractSignature, dispatch_uid="contracts.agreements.signature_kept")
def _signature_kept(sender, instance, origin=None, **kwargs):
    if _direct(origin, ContractSignature) and instance.signed_at is not None:
        raise FrozenRecordError("A signed contract signature cannot be deleted.")


@receiver(pre_delete, sender=TrainingContract, dispatch_uid="contracts.agreements.contract_kept")
def _contract_kept(sender, instance, origin=None, **kwargs):
    if _direct(origin, TrainingContract) and is_frozen(instance):
        raise FrozenRecordError("A signed contract cannot be deleted.")


@receiver(pre_save, sender=HiringEndorsement, dispatch_uid="contracts.agreements.endorsement_final")
def _endorsement_final(sender, instance, raw=False, **kwargs):
    if raw or instance.pk is None:
        return
    fields = (*ENDORSEMENT_FIELDS, "decision", "reason", "decided_on", "decided_by_id", "criteria_check", "unit_id")
    stored = _stored(HiringEndorsement, instance.pk, fields)
    if stored is not None and stored["decision"] and _changed(instance, stored, fields):
        raise FrozenRecordError("A decided tillstyrkan cannot be changed.")


@receiver(pre_delete, sender=HiringEndorsement, dispatch_uid="contracts.agreements.endorsement_kept")
def _endorsement_kept(sender, instance, origin=None, **kwargs):
    if _direct(origin, HiringEndorsement) and instance.decision:
        raise FrozenRecordError("A decided tillstyrkan cannot be deleted.")
