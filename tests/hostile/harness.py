"""Posting hostile input to a form page and checking what the application made of it.

A form is read from its own page (GET), so the test posts exactly the fields a browser
would; hypothesis then replaces, drops or multiplies any of them. Each example runs in a
savepoint that is rolled back afterwards, so every example starts from the same data.
"""

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from django.db import transaction
from hypothesis import strategies as st

# --------------------------------------------------------------------------- hostile values

HOSTILE_TEXTS = [
    "",
    " ",
    "\x00",
    "abc\x00def",
    "x" * 5000,
    "å" * 5000,
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'; DROP TABLE portfolio_trainee; --",
    "1 OR 1=1",
    "%(name)s {0} %s",
    "\u202eevil\u202c",
    "\u200b\u200d\ufeff",
    "\x07\x1b[31m",
    "🩺🏥👩‍⚕️",
    "ﷺ" * 50,
    "\r\n\r\n",
    "../../../etc/passwd",
    "null",
    "None",
    "true",
    "[]",
    "{}",
]
HOSTILE_NUMBERS = [
    "9" * 400,
    "-" + "9" * 400,
    "9" * 30,
    "18446744073709551616",
    "9223372036854775808",
    "-9223372036854775809",
    "2147483648",
    "-1",
    "-0",
    "0",
    "1e308",
    "1e-400",
    "NaN",
    "nan",
    "inf",
    "-Infinity",
    "0x10",
    "1,5",
    "3.14159265358979323846264338327950288",
    "١٢٣",  # Arabic-Indic digits
]
HOSTILE_DATES = [
    "2026-02-30",
    "2026-13-01",
    "0000-01-01",
    "0001-01-01",
    "9999-12-31",
    "99999-01-01",
    "-2026-01-01",
    "2026-1-1",
    "30/02/2026",
    "2026-02-28T25:00",
    "today",
    "1970-01-01",
]


def hostile_value(foreign_ids=()):
    """One hostile value of any kind; `foreign_ids` are primary keys of other people's records."""
    options = [st.sampled_from(HOSTILE_TEXTS), st.sampled_from(HOSTILE_NUMBERS), st.sampled_from(HOSTILE_DATES)]
    if foreign_ids:
        options.append(st.sampled_from([str(pk) for pk in foreign_ids]))
    options.append(st.text(max_size=40))
    return st.one_of(options)


MISSING = object()


# Fields no page sends but a forged post might, to set what only the application may set.
FORGED = ("status", "trainee", "signed_at", "decided_by", "pk")


def hostile_post(fields, foreign_ids=(), keep=()):
    """A POST body: each field kept, replaced by a hostile value, dropped, or sent as a list.

    `keep` names fields left as they are (a hidden step marker, for example); at least one
    field is always changed. A form with nothing to change (a bare button) gets forged fields.
    """
    names = sorted(fields)
    mutable = [name for name in names if name not in (*keep, "csrfmiddlewaretoken")]
    if not mutable:
        mutable = list(FORGED)
        names = sorted([*names, *FORGED])

    @st.composite
    def build(draw):
        changed = draw(st.lists(st.sampled_from(mutable), min_size=1, max_size=min(3, len(mutable)), unique=True))
        data = {}
        for name in names:
            if name not in fields and name not in changed:
                continue
            value = fields.get(name, "")
            if name in changed:
                how = draw(st.sampled_from(["replace", "replace", "replace", "drop", "list"]))
                if how == "drop":
                    continue
                if how == "list":
                    value = [draw(hostile_value(foreign_ids)) for _ in range(draw(st.integers(2, 4)))]
                else:
                    value = draw(hostile_value(foreign_ids))
            data[name] = value
        return data

    return build()


# --------------------------------------------------------------------------- reading a form page


class _FormReader(HTMLParser):
    """The fields of the page's main POST form with the values a browser would send."""

    def __init__(self, action):
        super().__init__(convert_charrefs=True)
        self.action = action
        self.forms = []
        self.current = None
        self.select = None
        self.textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            method = (attrs.get("method") or "get").lower()
            action = attrs.get("action") or ""
            if method == "post" and action in ("", self.action):
                self.current = {}
                self.forms.append(self.current)
            return
        if self.current is None:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = (attrs.get("type") or "text").lower()
            if kind in ("submit", "button", "reset", "image"):
                if name:
                    self.current.setdefault(name, attrs.get("value", ""))
                return
            if kind == "file":
                return
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self._add(name, attrs.get("value", "on"), multiple=kind == "checkbox")
                else:
                    self.current.setdefault(name, MISSING)
                return
            self._add(name, attrs.get("value", ""))
        elif tag == "select" and name:
            self.select = (name, "multiple" in attrs, [])
            self.first_option = None
        elif tag == "option" and self.select is not None:
            value = attrs.get("value", "")
            if self.first_option is None:
                self.first_option = value
            if "selected" in attrs:
                self.select[2].append(value)
        elif tag == "textarea" and name:
            self.textarea = (name, [])

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1].append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None
        elif tag == "select" and self.select is not None:
            name, multiple, chosen = self.select
            if multiple:
                self.current[name] = chosen or MISSING
            else:
                self.current[name] = chosen[0] if chosen else (self.first_option or "")
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            name, parts = self.textarea
            # A browser drops the one newline right after <textarea>.
            self.current[name] = "".join(parts).removeprefix("\n")
            self.textarea = None

    def _add(self, name, value, multiple=False):
        if multiple and name in self.current and self.current[name] is not MISSING:
            existing = self.current[name]
            self.current[name] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            self.current[name] = value


def form_fields(client, url, page=None):
    """The fields of the largest POST form on `page` (default `url`) that posts to `url`
    (MISSING for unticked boxes)."""
    response = client.get(page or url)
    assert response.status_code == 200, (page or url, response.status_code)
    reader = _FormReader(url)
    reader.feed(response.content.decode())
    assert reader.forms, f"no POST form on {url}"
    fields = max(reader.forms, key=len)
    # A browser always sends the token, so a POST is never empty (`request.POST or None`
    # treats an empty one as no post). The test client does not check its value.
    fields["csrfmiddlewaretoken"] = "x"
    return fields


def browser_body(fields):
    return {name: value for name, value in fields.items() if value is not MISSING}


# --------------------------------------------------------------------------- the checks

ERROR_LIST = re.compile(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', re.S)
ALERT = re.compile(r'role="alert"[^>]*>(.*?)</div>', re.S)
TAG = re.compile(r"<[^>]+>")
# Words that appear in Django's and the project's English messages but never in Swedish ones.
ENGLISH = re.compile(
    r"\b(this field|enter a|ensure|must|select a valid|is required|please|the|cannot|value|invalid|number)\b", re.I
)


def error_texts(html):
    found = [TAG.sub(" ", block) for block in ERROR_LIST.findall(html)]
    found += [TAG.sub(" ", block) for block in ALERT.findall(html)]
    return [" ".join(text.split()) for text in found if text.strip()]


def assert_swedish_errors(response, sent):
    """A refused post: the page again, in Swedish, with at least one error that is Swedish."""
    from html import unescape

    html = response.content.decode()
    assert '<html lang="sv"' in html, "the page is not in Swedish"
    errors = [unescape(text) for text in error_texts(html)]
    assert errors, "a refused post shows no error"
    for text in errors:
        assert_swedish_text(text, sent)


@dataclass
class Outcome:
    """What the runs of one form came to, for the report at the end of a test."""

    tried: int = 0
    refused: int = 0
    accepted: int = 0
    statuses: dict = field(default_factory=dict)


def snapshot(models, watched=()):
    """Row counts of `models` and the stored values of the `watched` instances."""
    counts = {model.__name__: model.objects.count() for model in models}
    values = {}
    for instance in watched:
        fresh = type(instance).objects.filter(pk=instance.pk).values().first()
        values[f"{type(instance).__name__}:{instance.pk}"] = fresh
    return counts, values


def messages_of(response):
    from django.contrib.messages import get_messages

    return [(message.level_tag, str(message)) for message in get_messages(response.wsgi_request)]


def assert_swedish_text(text, sent=None):
    for value in sorted(_echoed(sent or {}), key=len, reverse=True):
        text = text.replace(value, " ")
    assert not ENGLISH.search(text), f"a message in English: {text!r}"


def _echoed(sent):
    return [str(v) for value in sent.values() for v in (value if isinstance(value, list) else [value]) if v]


def post_decision(client, url, data, *, record, field, allowed, models=(), outcome=None, then=None):
    """A post to a view that always redirects: the record's `field` ends in one of `allowed`, or
    stays as it was with a Swedish error message; no other model gains rows.

    `then(data)` runs after an accepted post, before the rollback, to check what was stored."""
    with transaction.atomic():
        before = type(record).objects.values_list(field, flat=True).get(pk=record.pk)
        before_counts, _ = snapshot(models)
        response = client.post(url, data)
        assert response.status_code < 500, (url, response.status_code)
        after = type(record).objects.values_list(field, flat=True).get(pk=record.pk)
        if outcome is not None:
            outcome.tried += 1
        if after == before:
            errors = [text for level, text in messages_of(response) if level == "error"]
            if response.status_code == 200:
                assert_swedish_errors(response, data)
            else:
                assert errors, "a refused decision says nothing"
            for text in errors:
                assert_swedish_text(text, data)
            assert snapshot(models)[0] == before_counts
            if outcome is not None:
                outcome.refused += 1
        else:
            assert after in allowed, (field, before, after)
            if then is not None:
                then(data)
            if outcome is not None:
                outcome.accepted += 1
        transaction.set_rollback(True)
    return response


def post_hostile(client, url, data, *, models, watched=(), created=0, outcome=None):
    """Post `data`; check no server error, a Swedish refusal that saved nothing, or a whole save.

    `created` is the number of new rows of models[0] an accepted post makes (1 for a create
    form, 0 for an edit or a decision); the other models must not gain rows on a refusal.
    Rolled back afterwards so the next example starts from the same data.
    """
    with transaction.atomic():
        before_counts, before_values = snapshot(models, watched)
        response = client.post(url, data)
        after_counts, after_values = snapshot(models, watched)
        status = response.status_code
        assert status < 500, (url, status)
        if outcome is not None:
            outcome.tried += 1
            outcome.statuses[status] = outcome.statuses.get(status, 0) + 1
        if status in (301, 302, 303):
            first = models[0].__name__
            assert after_counts[first] - before_counts[first] == created, (first, before_counts, after_counts)
            if outcome is not None:
                outcome.accepted += 1
        else:
            if status == 200:
                assert_swedish_errors(response, data)
            assert after_counts == before_counts, "a refused post saved rows"
            assert after_values == before_values, "a refused post changed a record"
            if outcome is not None:
                outcome.refused += 1
        transaction.set_rollback(True)
    return response
