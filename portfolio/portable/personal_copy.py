"""The ST-läkare's personal copy of her portfolio (the GDPR right of access) as one ZIP file.

The ZIP holds, in this order:

- `LASMIG.txt`: whose copy, when it was made, what each folder holds, what is withheld and
  why, the counts, and any stored file that was missing;
- `portfolj.json`: the portable export for the trainee herself (docs/portfolio-format.md),
  byte for byte what her JSON download gives, and importable into another installation;
- `intyg/<nn>-<form>-<slug>-<state>.pdf`: every intyg as PDF, drafts included; `nn` is the
  intyg's position in the JSON's `certificates` (counted from 1), the state is `signerat`,
  `utkast` or `ersatt` (signed, but replaced by a signed correction);
- `filer/kurser/<nn>-<slug>.pdf` and `filer/mitt-i-st/rapport.pdf`: the uploaded files, as
  their original bytes.

The archive is written to a SpooledTemporaryFile (to disk once it is large) and uploaded
files are copied into it in blocks, so a big portfolio is not held in memory twice. The
queries are a fixed number whatever the number of records.
"""

import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.text import slugify

from assessments.models import MidTermEvaluation
from portfolio.intyg.forms import CertificateValues, form_spec, service_rows_for
from portfolio.intyg.pdf import render_certificate
from portfolio.models import CertificateSignature, Goal, Trainee
from portfolio.portable.common import ASSESSMENT_DRAFTS, STATEMENT_DRAFTS, SUPERVISION_NOTES, dumps
from portfolio.portable.exporting import export_with_positions

README = "LASMIG.txt"
JSON_NAME = "portfolj.json"
# In memory up to this size, then on disk.
SPOOL_BYTES = 8 * 1024 * 1024
SLUG_LENGTH = 40

SIGNED, DRAFT, REPLACED = "signerat", "utkast", "ersatt"

WITHHELD_REASONS = {
    ASSESSMENT_DRAFTS: (
        "utkast till kompetensvärderingar som en bedömare har påbörjat men inte signerat: "
        "ett utkast är bedömarens eget arbete tills det signeras. Du får dem när de är signerade."
    ),
    STATEMENT_DRAFTS: (
        "utkast till handledarutlåtanden som handledaren har påbörjat men inte signerat: "
        "ett utkast är författarens eget arbete tills det signeras. Du får dem när de är signerade."
    ),
    SUPERVISION_NOTES: "anteckningarna från handledningar, som bara ST-läkaren och handledaren får läsa.",
}


@dataclass
class PersonalCopy:
    """The ZIP (an open file at position 0) and what went into it."""

    file: tempfile.SpooledTemporaryFile
    made_at: object
    intyg: dict = field(default_factory=dict)  # state -> count
    files: dict = field(default_factory=dict)  # folder -> count
    missing: list = field(default_factory=list)  # (path in the ZIP, what it is)
    withheld: list = field(default_factory=list)

    @property
    def intyg_count(self):
        return sum(self.intyg.values())

    @property
    def file_count(self):
        return sum(self.files.values())


def _slug(*texts, fallback):
    for text in texts:
        slug = slugify(text or "")[:SLUG_LENGTH].strip("-")
        if slug:
            return slug
    return fallback


def _number(index, total):
    return str(index).zfill(max(2, len(str(total))))


def _entry(name, made_at):
    info = zipfile.ZipInfo(name, date_time=made_at.timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _load_trainee(trainee):
    return Trainee.objects.select_related("user", "unit__region", "specialty", "regulation", "study_director").get(
        pk=trainee.pk
    )


def _certificates(trainee, positions):
    """Every intyg in the order of the JSON's `certificates`, with its values loaded in bulk."""
    signatures = CertificateSignature.objects.select_related("signer")
    goals = Goal.objects.order_by("position", "code")
    certificates = list(
        trainee.certificates.select_related("superseded_by").prefetch_related(
            Prefetch("signatures", queryset=signatures), Prefetch("goals", queryset=goals)
        )
    )
    certificates.sort(key=lambda cert: positions[cert.pk])
    needs_table = any(form_spec(cert.form).get("service_table") for cert in certificates)
    rows = service_rows_for(trainee) if needs_table else None
    for cert in certificates:
        cert.trainee = trainee
        values = CertificateValues(
            cert, signatures=list(cert.signatures.all()), goals=list(cert.goals.all()), service_rows=rows
        )
        yield cert, values


def _state(cert):
    if not cert.is_signed:
        return DRAFT
    correction = getattr(cert, "superseded_by", None)
    return REPLACED if correction is not None and correction.is_signed else SIGNED


def _uploaded_files(trainee):
    """(path in the ZIP, folder, what it is, the stored file) for every uploaded file."""
    courses = list(trainee.courses.exclude(certificate="").order_by("start", "end", "title", "pk"))
    for index, course in enumerate(courses, start=1):
        suffix = PurePosixPath(course.certificate.name).suffix.lower() or ".pdf"
        name = f"filer/kurser/{_number(index, len(courses))}-{_slug(course.title, fallback='kurs')}{suffix}"
        yield name, "kurser", f"kursintyget för kursen ”{course.title}”", course.certificate
    mid_term = MidTermEvaluation.objects.filter(trainee=trainee).exclude(report_file="").first()
    if mid_term is not None:
        suffix = PurePosixPath(mid_term.report_file.name).suffix.lower() or ".pdf"
        yield f"filer/mitt-i-st/rapport{suffix}", "mitt-i-st", "rapporten från Mitt-i-ST", mid_term.report_file


def build_personal_copy(trainee) -> PersonalCopy:
    """The trainee's personal copy as a ZIP; the caller checks that the reader is the trainee."""
    trainee = _load_trainee(trainee)
    made_at = timezone.localtime()
    # A stored file that is gone is null in the JSON; _uploaded_files finds it missing too.
    document, positions = export_with_positions(trainee, reader=trainee.user, missing_files=[])
    # Returned open: the response streams it and closes it (closed here if building fails).
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
    try:
        return _fill(spool, trainee, made_at, document, positions)
    except BaseException:
        spool.close()
        raise


def _fill(spool, trainee, made_at, document, positions):
    copy = PersonalCopy(file=spool, made_at=made_at, withheld=list(document["withheld"]))
    copy.intyg = {SIGNED: 0, REPLACED: 0, DRAFT: 0}
    copy.files = {"kurser": 0, "mitt-i-st": 0}
    entries = []  # written after LASMIG.txt, which needs their counts
    total = len(positions)
    for cert, values in _certificates(trainee, positions):
        state = _state(cert)
        copy.intyg[state] += 1
        slug = _slug(cert.subject, cert.place, fallback="intyg")
        name = f"intyg/{_number(positions[cert.pk] + 1, total)}-{cert.form}-{slug}-{state}.pdf"
        entries.append((name, render_certificate(cert, values)))
    uploads = []
    for name, folder, what, stored in _uploaded_files(trainee):
        if stored.storage.exists(stored.name):
            copy.files[folder] += 1
            uploads.append((name, stored))
        else:
            copy.missing.append((name, what))
    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(_entry(README, made_at), readme(trainee, copy).encode("utf-8"))
        archive.writestr(_entry(JSON_NAME, made_at), dumps(document).encode("utf-8"))
        for name, content in entries:
            archive.writestr(_entry(name, made_at), content)
        for name, stored in uploads:
            try:
                source = stored.storage.open(stored.name, "rb")
            except FileNotFoundError:  # gone between the check and the copy: LASMIG.txt is already written
                continue
            with source, archive.open(_entry(name, made_at), "w") as target:
                shutil.copyfileobj(source, target)
    spool.seek(0)
    return copy


def readme(trainee, copy) -> str:
    """LASMIG.txt: the copy described in Swedish for the person it is for."""
    user = trainee.user
    intyg, files = copy.intyg, copy.files
    lines = [
        "Personlig kopia av din portfölj i ST-portfölj",
        "",
        f"Kopian gäller: {user.name} (användarnamn {user.username})",
        f"Gjord: {copy.made_at:%Y-%m-%d %H:%M} (svensk tid)",
        "",
        "Det här är en kopia av uppgifterna om dig i din ST-portfölj, som du har rätt att få",
        "enligt dataskyddsförordningen (GDPR artikel 15, rätten till tillgång).",
        "",
        "Innehåll",
        "",
        f"- {JSON_NAME}: hela portföljen i maskinläsbar form (JSON), samma fil som nedladdningen",
        "  ”Ladda ner hela portföljen (JSON)”. Den kan läsas in i en annan installation av",
        "  ST-portfölj; formatet beskrivs i docs/portfolio-format.md. De uppladdade filerna finns",
        "  inbäddade i den också (base64).",
        f"- intyg/: varje intyg som PDF, {copy.intyg_count} st: {intyg[SIGNED]} signerade, "
        f"{intyg[REPLACED]} ersatta och {intyg[DRAFT]} utkast.",
        "  Numret först i filnamnet är intygets plats i listan ”certificates” i portfolj.json",
        "  (räknat från 1). Filnamnet slutar med intygets läge: ”signerat”; ”ersatt” (signerat,",
        "  men ersatt av ett signerat rättat intyg); ”utkast” (inte signerat, gäller inte som intyg).",
        f"- filer/: de uppladdade filerna som de lämnades in, {copy.file_count} st:",
        f"  filer/kurser/: kursintyg, {files['kurser']} st;",
        f"  filer/mitt-i-st/: rapporten från Mitt-i-ST, {files['mitt-i-st']} st.",
        "",
        "Undanhållet",
        "",
    ]
    if copy.withheld:
        lines.append("Kopian innehåller allt i portföljen utom:")
        lines += [f"- {entry}: {WITHHELD_REASONS.get(entry, '')}".rstrip() for entry in copy.withheld]
        lines.append("Listan finns också under ”withheld” i portfolj.json.")
    else:
        lines.append("Inget: kopian innehåller allt i portföljen.")
    if copy.missing:
        lines += ["", "Saknade filer", ""]
        lines.append("De här filerna är registrerade men finns inte längre i lagringen; de saknas i")
        lines.append("kopian (och står som null i portfolj.json). Kontakta din studierektor eller förvaltningen.")
        lines += [f"- {name}: {what}" for name, what in copy.missing]
    return "\n".join(lines) + "\n"
