"""What every role gets on a GET of every URL: the declared permission matrix.

The roles (world.py has the people):

- anonymous: not logged in; assessor: not logged in, holding a signed assessor link (and having opened it);
- trainee: Sara, the ST-läkare whose records the URLs name; other_trainee: an ST-läkare at the other unit;
- supervisor: Sara's huvudhandledare; other_supervisor: a handledare at the other unit;
- study_director: studierektor of Sara's unit (and named on her); other_study_director: of the other unit;
- unit_head: chef of Sara's unit; region_admin: administrator of the region, which holds both units;
- superuser: a staff superuser, asked only about the admin site.

The outcomes: OK (200), LOGIN (302 to settings.LOGIN_URL with ?next=), ADMIN_LOGIN, NOT_FOUND, FORBIDDEN,
NOT_ALLOWED (405) and redirects to a named URL. Most URLs take one of the rule sets below; `page()` makes
the usual one: the roles allowed get 200, the others who may see the trainee (or unit) get 403, everyone
else 404 and the anonymous roles the login page.
"""

from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import reverse

ANONYMOUS = ("anonymous", "assessor")
ROLES = (
    *ANONYMOUS,
    "trainee",
    "other_trainee",
    "supervisor",
    "other_supervisor",
    "study_director",
    "other_study_director",
    "unit_head",
    "region_admin",
)
SUPERUSER = "superuser"
LOGGED_IN = tuple(role for role in ROLES if role not in ANONYMOUS)
OTHER_SIDE = ("other_trainee", "other_supervisor", "other_study_director")
# Who may see Sara (portfolio.view_trainee), and who may see her unit's pages (its leaders and administrators).
TRAINEE_READERS = ("trainee", "supervisor", "study_director", "unit_head", "region_admin")
UNIT_READERS = ("study_director", "unit_head", "region_admin")
UNIT_LEADERS = ("study_director", "unit_head")
# What a page of one's own must not show to the other side.
SARAS_SIDE = ("Sara Öberg", "Björkdalens hälsocentral")


# --- outcomes


@dataclass(frozen=True)
class Status:
    """A response with this status code and no redirect; `hides` are texts the page must not contain."""

    code: int
    hides: tuple = ()

    def mismatch(self, response, path, kwargs):
        if response.status_code != self.code:
            return f"expected {self}"
        body = b"" if getattr(response, "streaming", False) else response.content
        shown = [text for text in self.hides if text.encode() in body]
        return f"expected {self}, but the page shows {shown}" if shown else None

    def __str__(self):
        return f"{self.code} without {', '.join(self.hides)}" if self.hides else str(self.code)


@dataclass(frozen=True)
class ToLogin:
    """302 to a login page with ?next= the requested path."""

    login: str

    def mismatch(self, response, path, kwargs):
        location = urlsplit(response.get("Location", ""))
        if (
            response.status_code == 302
            and location.path == resolve_url(self.login)
            and parse_qs(location.query).get("next") == [path]
        ):
            return None
        return f"expected {self}"

    def __str__(self):
        return f"302 to {resolve_url(self.login)}?next=<path>"


@dataclass(frozen=True)
class Redirect:
    """302 to the named URL, with the request's kwargs named in `keep` and the `fixed` ones."""

    target: str
    keep: tuple = ()
    fixed: tuple = ()  # (name, value) pairs

    def url(self, kwargs):
        return reverse(self.target, kwargs={**{name: kwargs[name] for name in self.keep}, **dict(self.fixed)})

    def mismatch(self, response, path, kwargs):
        if response.status_code == 302 and response.get("Location") == self.url(kwargs):
            return None
        return f"expected 302 to {self.url(kwargs)} ({self.target})"

    def __str__(self):
        return f"302 to {self.target}"


@dataclass(frozen=True)
class ToProvider:
    """302 to the identity provider's authorization endpoint (settings.OIDC_OP_AUTHORIZATION_ENDPOINT)."""

    def mismatch(self, response, path, kwargs):
        endpoint = settings.OIDC_OP_AUTHORIZATION_ENDPOINT
        if response.status_code == 302 and endpoint and response.get("Location", "").startswith(endpoint + "?"):
            return None
        return f"expected {self}"

    def __str__(self):
        return "302 to the identity provider"


def redirect(target, *keep, **fixed):
    return Redirect(target, keep, tuple(fixed.items()))


OK = Status(200)
NOT_FOUND = Status(404)
FORBIDDEN = Status(403)
NOT_ALLOWED = Status(405)
LOGIN = ToLogin(settings.LOGIN_URL)
ADMIN_LOGIN = ToLogin("admin:login")
OK_HIDING_SARA = Status(200, hides=SARAS_SIDE)


# --- rule sets


@dataclass(frozen=True)
class Variants:
    """Expectations per variant of a URL whose credential is in the URL (kwargs.VARIANTS)."""

    rules: dict


def everyone(outcome):
    return dict.fromkeys(ROLES, outcome)


def page(allowed, *, seen_by, **special):
    """`allowed` get 200; the rest of `seen_by` get 403; other logged-in people 404; anonymous the login page."""
    rule = everyone(NOT_FOUND) | dict.fromkeys(ANONYMOUS, LOGIN)
    rule |= dict.fromkeys(seen_by, FORBIDDEN) | dict.fromkeys(allowed, OK)
    return rule | special


def on_trainee(allowed=TRAINEE_READERS, **special):
    """A page about Sara: her readers may open it, `allowed` may use it, the other side gets 404."""
    return page(allowed, seen_by=TRAINEE_READERS, **special)


def on_unit(allowed=UNIT_READERS, **special):
    """A page of Sara's unit: its studierektor, chef and the region's administrator may open it."""
    return page(allowed, seen_by=UNIT_READERS, **special)


PUBLIC = everyone(OK)
POST_ONLY = everyone(NOT_ALLOWED)  # require_POST runs before the login check: 405 for everyone
ANY_USER = everyone(OK) | dict.fromkeys(ANONYMOUS, LOGIN)
# A page everyone has, listing only what each may see: the other side finds nothing of Sara's there.
OWN_LIST = ANY_USER | dict.fromkeys(OTHER_SIDE, OK_HIDING_SARA)
ADMINISTRATORS_ONLY = page(("region_admin",), seen_by=())

READ = on_trainee()
OWNER = on_trainee(("trainee",))
OWNER_AND_SUPERVISOR = on_trainee(("trainee", "supervisor"))
OWNER_AND_STUDY_DIRECTOR = on_trainee(("trainee", "study_director"))
STUDY_DIRECTOR = on_trainee(("study_director",))
SUPERVISOR = on_trainee(("supervisor",))
SUPERVISOR_AND_STUDY_DIRECTOR = on_trainee(("supervisor", "study_director"))
CONTRACT_MANAGERS = on_trainee(UNIT_LEADERS)
AUDITORS = on_trainee(("study_director", "region_admin"))
# Archiving and restoring a trainee: the studierektor of her unit and the region's administrator.
ARCHIVER_ROLES = ("study_director", "region_admin")
ARCHIVERS = on_trainee(ARCHIVER_ROLES)
# A draft kompetensvärdering exists only for its assessor, the huvudhandledare: 404 for everyone else.
ASSESSORS_DRAFT = page(("supervisor",), seen_by=("supervisor",))

UNIT_READ = on_unit()
UNIT_LEADERS_ONLY = on_unit(UNIT_LEADERS)
UNIT_STUDY_DIRECTOR = on_unit(("study_director",))
UNIT_HEAD = on_unit(("unit_head",))
INSPECTION_RECORDERS = on_unit(("study_director", "region_admin"))
# The huvudhandledare takes part in the unit's specialistkollegium, so its panel pages open for him.
PANEL_VISITORS = ("supervisor", *UNIT_READERS)
PANEL_READ = page(PANEL_VISITORS, seen_by=PANEL_VISITORS)
PANEL_MANAGERS = page(UNIT_LEADERS, seen_by=PANEL_VISITORS)
# The survey's answer form is for the invited: the unit's people, Sara included; 404 for everyone else.
SURVEY_INVITED = ("trainee", "supervisor", "study_director", "unit_head")
SURVEY_ANSWER = page(SURVEY_INVITED, seen_by=SURVEY_INVITED)
# Follow-up figures of the units one leads or administers; 404 for those who lead none.
STATISTICS = page(("study_director", "unit_head", "region_admin"), seen_by=(), other_study_director=OK_HIDING_SARA)
# Only Sara has a calendar link; the others are sent back to the settings page with a message.
FEED_HOLDER = ANY_USER | dict.fromkeys(LOGGED_IN, redirect("account-settings")) | {"trainee": OK}


# --- the table: one line per URL name

EXPECTED = {
    # accounts
    "home": OWN_LIST,
    "login": everyone(redirect("home")) | dict.fromkeys(ANONYMOUS, OK),
    "logout": POST_ONLY,
    "password_change": ANY_USER,
    "password_change_done": ANY_USER,
    "password_reset": PUBLIC,
    "password_reset_done": PUBLIC,
    "password_reset_confirm": Variants(
        {
            # The token moves to the session and the link to …/set-password/, for whoever holds it.
            "right token": everyone(redirect("password_reset_confirm", "uidb64", token="set-password")),
            "wrong token": PUBLIC,  # the page says the link is invalid
        }
    ),
    "password_reset_complete": PUBLIC,
    "account-settings": ANY_USER,
    "calendar-feed-create": POST_ONLY,
    "calendar-feed-rotate": FEED_HOLDER,
    "calendar-feed-delete": FEED_HOLDER,
    "region-list": ADMINISTRATORS_ONLY,
    "region-policy": ADMINISTRATORS_ONLY,
    "set_language": everyone(redirect("home")),  # a GET changes nothing and goes back
    # portfolio: the trainee and her records
    "trainee-list": OWN_LIST,
    "trainee-detail": READ,
    "trainee-archive": ARCHIVERS,
    # Sara is not archived: the archivers are sent back to her page, the others refused as for archiving.
    "trainee-restore": on_trainee((), **dict.fromkeys(ARCHIVER_ROLES, redirect("trainee-detail", "pk"))),
    "service-list": READ,
    "service-create": OWNER,
    "service-update": OWNER,
    "service-delete": OWNER | {"trainee": redirect("service-list", "trainee_pk")},  # an intyg certifies it
    "leave-create": OWNER,
    "leave-update": OWNER,
    "leave-delete": OWNER,
    "supervision-list": READ,
    "supervision-create": OWNER_AND_SUPERVISOR,
    "supervision-update": OWNER_AND_SUPERVISOR,
    "supervision-delete": OWNER_AND_SUPERVISOR,
    "plan-list": READ,
    "plan-start": POST_ONLY,
    "plan-compare": READ,
    "plan-detail": READ,
    "plan-update": OWNER_AND_SUPERVISOR,
    "plan-submit": POST_ONLY,
    "plan-approve": POST_ONLY,
    "plan-return": POST_ONLY,
    "plan-revise": POST_ONLY,
    "activity-list": READ,
    "course-create": OWNER,
    "course-update": OWNER,
    "course-delete": OWNER,
    "course-certificate": READ,
    "activity-create": OWNER,
    "activity-update": OWNER,
    "activity-delete": OWNER,
    "review-list": READ,
    "report-create": OWNER,
    "report-update": OWNER,
    "report-submit": POST_ONLY,
    "visit-create": STUDY_DIRECTOR,
    "visit-update": STUDY_DIRECTOR,
    "final-review-create": STUDY_DIRECTOR,
    "portfolio-export": OWNER_AND_STUDY_DIRECTOR,
    "portfolio-personal-copy": OWNER,  # the data subject only (GDPR right of access), archived or not
    "audit-log": AUDITORS,
    "certificate-list": READ,
    "certificate-create": OWNER | {"trainee": redirect("certificate-list", "trainee_pk")},  # no form chosen
    "certificate-detail": READ,
    "certificate-update": OWNER,
    "certificate-sign": SUPERVISOR,  # the signer the draft names; the others have no row to sign
    "certificate-paper": OWNER_AND_STUDY_DIRECTOR,
    "certificate-correct": POST_ONLY,
    "certificate-pdf": READ,
    "application-detail": READ,
    "application-pack": READ,
    "application-finalise": OWNER_AND_STUDY_DIRECTOR,
    "calendar-feed": Variants({"right token": PUBLIC, "unknown token": everyone(NOT_FOUND)}),
    "statistics": STATISTICS,
    "curriculum-list": ANY_USER,
    "curriculum-detail": ANY_USER,
    # assessments
    "assessment-list": READ,
    "assessment-create": SUPERVISOR_AND_STUDY_DIRECTOR,
    "assessment-detail": READ,
    "assessment-update": ASSESSORS_DRAFT,
    "assessment-sign": ASSESSORS_DRAFT,
    "assessment-delete": ASSESSORS_DRAFT,
    "assessment-reflection": OWNER,
    "request-list": READ,
    "request-create": OWNER,
    "request-extend": POST_ONLY,
    "request-revoke": OWNER,
    "statement-list": READ,
    "statement-create": SUPERVISOR,
    "statement-detail": READ,
    "statement-update": SUPERVISOR,
    "statement-sign": SUPERVISOR,
    "statement-delete": SUPERVISOR,
    "trainee-panel-list": READ,
    "trainee-panel-self": OWNER,
    "midterm-detail": READ,
    "midterm-start": POST_ONLY,
    "midterm-advance": POST_ONLY,
    "midterm-edit": on_trainee(("trainee", "supervisor", "study_director")),
    "midterm-summary-pdf": READ,
    "midterm-report": READ,
    "action-plan-list": READ,
    "action-plan-create": SUPERVISOR_AND_STUDY_DIRECTOR,
    "action-plan-detail": READ,
    "action-plan-update": SUPERVISOR_AND_STUDY_DIRECTOR,
    "action-plan-follow-up": POST_ONLY,
    "action-plan-close": SUPERVISOR_AND_STUDY_DIRECTOR,
    "panel-list": PANEL_READ,
    "panel-create": PANEL_MANAGERS,
    "panel-detail": PANEL_READ,
    "panel-update": PANEL_MANAGERS,
    "panel-review": PANEL_MANAGERS,
    "panel-held": PANEL_MANAGERS,
    # The link is the credential: whoever holds it gets the form, logged in or not.
    "assessor-form": Variants({"right token": PUBLIC, "tampered token": everyone(NOT_FOUND)}),
    # contracts: the unit register and criteria
    "unit-list": OWN_LIST,
    "unit-detail": UNIT_READ,
    "unit-profile-edit": UNIT_LEADERS_ONLY,
    "unit-staff-create": UNIT_LEADERS_ONLY,
    "unit-staff-update": UNIT_LEADERS_ONLY,
    "unit-staff-end": UNIT_LEADERS_ONLY,
    "unit-criterion-attest": UNIT_STUDY_DIRECTOR,
    "unit-dispensation-create": UNIT_STUDY_DIRECTOR,
    "unit-approval-create": UNIT_STUDY_DIRECTOR,
    "unit-approval-detail": UNIT_READ,
    "unit-plan-create": UNIT_HEAD,
    "unit-plan-detail": UNIT_READ,
    "unit-plan-update": UNIT_HEAD,
    "unit-plan-sign": UNIT_LEADERS_ONLY,
    "unit-plan-follow-up": POST_ONLY,
    "unit-plan-close": UNIT_LEADERS_ONLY,
    # SPUR
    "spur-unit": UNIT_READ,
    "spur-inspection-create": INSPECTION_RECORDERS,
    "spur-evidence": UNIT_READ,
    "spur-region": ADMINISTRATORS_ONLY,
    "spur-inspection-detail": UNIT_READ,
    "spur-inspection-update": INSPECTION_RECORDERS,
    "spur-item-create": UNIT_READ,  # the handlingsplan is kept by all three
    "spur-item-update": UNIT_READ,
    "spur-grade-adjust": INSPECTION_RECORDERS,
    # ST-utbildningskontrakt and tillstyrkan
    "contract-list": READ,
    # Sara has a contract already: the managers are sent to it to make a new version instead.
    "contract-create": on_trainee((), **dict.fromkeys(UNIT_LEADERS, redirect("contract-list", "trainee_pk"))),
    "contract-detail": READ,
    "contract-update": CONTRACT_MANAGERS,
    "contract-sign": on_trainee(("trainee", "supervisor", *UNIT_LEADERS)),  # the parties named on it
    "contract-paper": STUDY_DIRECTOR,
    "contract-new-version": POST_ONLY,
    "contract-pdf": READ,
    "endorsement-list": UNIT_READ,
    "endorsement-create": UNIT_STUDY_DIRECTOR,
    "endorsement-detail": UNIT_READ,
    "endorsement-update": UNIT_STUDY_DIRECTOR,
    "endorsement-decide": POST_ONLY,
    "endorsement-pdf": UNIT_READ,
    # the survey before an inspection
    "survey-home": OWN_LIST,
    "survey-list": UNIT_READ,
    "survey-create": UNIT_STUDY_DIRECTOR,
    "survey-answer": SURVEY_ANSWER,
    "survey-results": UNIT_READ,
}


# --- a record of Sara's side under the other side's trainee or unit (kwargs.CROSSINGS)

# The person in the other side's place: what they get there decides whether the refusal is a 403.
COUNTERPART = {
    "other_trainee": "trainee",
    "other_supervisor": "supervisor",
    "other_study_director": "study_director",
    "region_admin": "region_admin",
}


# Views that find the record before they ask for the permission: 404 under the other side for everyone.
RECORD_BEFORE_PERMISSION = {"certificate-update", "certificate-sign", "certificate-paper"}


def crossed(rule, key):
    """Under the other trainee (or unit) Sara's record is never found. A role whose counterpart is
    refused on Sara's own URL (403: seen, but not theirs to change) is refused here the same way,
    before any record is looked up; the anonymous and POST-only answers do not change."""
    result = {}
    for role, outcome in rule.items():
        if outcome in (LOGIN, NOT_ALLOWED):
            result[role] = outcome
        elif key in RECORD_BEFORE_PERMISSION:
            result[role] = NOT_FOUND
        elif role in COUNTERPART and rule[COUNTERPART[role]] == FORBIDDEN:
            result[role] = FORBIDDEN
        else:
            result[role] = NOT_FOUND
    return result


# Patterns routed only when single sign-on is on (DJANGO_OIDC_ENABLED): the matrix runs with it off,
# tests/accounts/test_oidc.py requests these with it on. Both answer anyone: the first sends the
# browser to the provider, the callback without the provider's code and state back to the login page.
SSO_EXPECTED = {
    "oidc_authentication_init": everyone(ToProvider()),
    "oidc_authentication_callback": everyone(redirect("login")),
}


# --- the admin site: one rule for every pattern under admin/

ADMIN_PREFIX = "admin/"
# What the superuser gets, by the ending of the pattern's name (admin:<app>_<model>_<ending>).
SUPERUSER_BY_ENDING = {"changelist": OK, "add": OK, "change": OK, "delete": OK, "history": OK}
SUPERUSER_EXCEPTIONS = {
    "admin:index": OK,
    "admin:login": redirect("admin:index"),
    "admin:logout": NOT_ALLOWED,
    "admin:password_change": OK,
    "admin:password_change_done": OK,
    "admin:autocomplete": FORBIDDEN,  # without the field it is asked for
    "admin:jsi18n": OK,
    "admin:view_on_site": NOT_FOUND,  # a trainee has no page of its own outside the admin
    "admin:app_list": OK,
    "admin:auth_user_password_change": OK,
    # django-axes keeps its records itself: nobody adds them by hand.
    "admin:axes_accessattempt_add": FORBIDDEN,
    "admin:axes_accesslog_add": FORBIDDEN,
    "admin:axes_accessfailurelog_add": FORBIDDEN,
    # Never deleted, not even here: a signed record (the first of each in the world is signed), a staff
    # row (a person who leaves gets a last day) and an approval decision.
    "admin:assessments_assessment_delete": FORBIDDEN,
    "admin:assessments_supervisorstatement_delete": FORBIDDEN,
    "admin:contracts_unitstaff_delete": FORBIDDEN,
    "admin:contracts_unitapproval_delete": FORBIDDEN,
}
# The admin's last pattern answers every other path under admin/.
ADMIN_CATCH_ALL = "admin/(?P<url>.*)$"


def admin_rule(pattern):
    """Non-staff roles are sent to the admin's login page (its login page itself opens for them; its
    logout sends them to the index); the superuser gets what the pattern's kind says."""
    rule = everyone(ADMIN_LOGIN)
    if pattern.key == "admin:login":
        rule = everyone(OK)
    elif pattern.key == "admin:logout":
        rule = everyone(redirect("admin:index"))
    if pattern.key in SUPERUSER_EXCEPTIONS:
        superuser = SUPERUSER_EXCEPTIONS[pattern.key]
    elif pattern.key == ADMIN_CATCH_ALL:
        superuser = NOT_FOUND
    elif pattern.name is None:
        # <object_id>/ without an ending: the admin's old URL, sent on to the change page.
        app_label, model_name = pattern.route.split("/")[1:3]
        superuser = redirect(f"admin:{app_label}_{model_name}_change", "object_id")
    else:
        superuser = SUPERUSER_BY_ENDING.get(pattern.name.rsplit("_", 1)[-1])
    if superuser is None:
        return None
    return rule | {SUPERUSER: superuser}


def is_admin(pattern):
    return pattern.route.startswith(ADMIN_PREFIX)


def expectation(pattern):
    """The declared rule (role → outcome, or Variants) for a pattern, or None when nothing is declared."""
    if is_admin(pattern):
        return admin_rule(pattern)
    return EXPECTED.get(pattern.key, SSO_EXPECTED.get(pattern.key))


def declared_keys():
    """Every URL name the table mentions, for the check that each still exists."""
    return set(EXPECTED) | RECORD_BEFORE_PERMISSION | set(SUPERUSER_EXCEPTIONS) | {ADMIN_CATCH_ALL}
