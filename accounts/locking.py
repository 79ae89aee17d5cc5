"""Two people at one record: edits that do not overwrite each other, signatures on what was read.

**Edits (optimistic locking).** A record edited in a form has a counter (a PositiveIntegerField). The
form carries the counter it was read at (`VersionedFormMixin`); the domain function that saves it calls
`advance` in its transaction: one conditional UPDATE (… SET counter = counter + 1 WHERE pk = … AND
counter = <read>). Of two saves that read the same counter exactly one matches; the other raises a
ValidationError with the code `STALE` and saves nothing. The view then shows the form again with what
the person typed, what is stored now, and the stored counter in the form (`VersionedFormMixin.rebase`),
so saving once more is a deliberate choice made after seeing the other change.

**Signatures.** A signature is given to the text on the page. `fingerprint` digests what a sign page
shows; the page sends it back, and the signing function, holding the record's lock, refuses with the code
`CHANGED` (`require_seen`) when the stored record no longer gives the same digest: someone changed it
between reading and signing.

Shared by the apps above `accounts`, like `accounts.daily`.
"""

import hashlib
import json

from django import forms
from django.db import transaction
from django.db.models import F

STALE = "stale"
CHANGED = "changed"


def is_stale(error) -> bool:
    return getattr(error, "code", None) == STALE


def is_changed(error) -> bool:
    return getattr(error, "code", None) == CHANGED


# --- edits ---------------------------------------------------------------------------------


def advance(instance, read, *, field, error):
    """Move the counter `field` of `instance`'s stored row on by one if it still holds `read`; else raise `error`.

    Call it inside the transaction that saves the rest of the change, so that a refusal later in that
    transaction undoes the step too. `instance` gets the new value.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("advance() must run inside the transaction that saves the change")
    if read is None:
        raise error
    moved = type(instance)._base_manager.filter(pk=instance.pk, **{field: read}).update(**{field: F(field) + 1})
    if moved != 1:
        raise error
    setattr(instance, field, read + 1)
    return read + 1


def _show_again(form, error, values, drop=()):
    """Put `values` into the bound data of a form that was valid, take out `drop`, and show `error` on top.

    The form is not cleaned again: it was valid, and it is only shown now.
    """
    data = form.data.copy()
    for name in drop:
        data.pop(form.add_prefix(name), None)
    for name, value in values.items():
        data[form.add_prefix(name)] = value
    form.data = data
    form.add_error(None, error)


class VersionedFormMixin:
    """An edit form that carries, hidden, the counter its record was read at.

    Put it before forms.Form / forms.ModelForm in the bases and set `version_field` to the model's counter.
    The counter is taken from the instance (0 for one not stored yet) unless `initial` gives it.
    """

    version_field = "version"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[self.version_field] = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
        if self.version_field not in self.initial:
            instance = getattr(self, "instance", None)
            stored = instance is not None and instance.pk is not None
            self.initial[self.version_field] = getattr(instance, self.version_field) if stored else 0

    @property
    def read_version(self):
        """The counter the person's form was read at (after is_valid())."""
        return self.cleaned_data[self.version_field]

    def rebase(self, stored_version, error):
        """After `error` (STALE): keep what was typed, carry the counter stored now and show `error` on top.

        Saving again then goes through, unless yet another change comes first.
        """
        _show_again(self, error, {self.version_field: stored_version})


# --- signatures ------------------------------------------------------------------------------


def fingerprint(values) -> str:
    """A digest of what a page shows a signer: JSON-like values (dates, decimals and the like as text)."""
    text = json.dumps(values, default=str, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def require_seen(seen, current, error):
    """Raise `error` (code CHANGED) unless `seen`, the digest the sign page was shown with, is `current`.

    `seen` is None for a caller that is not a page (a command, the demo data): there is nothing to compare.
    A page always sends a text, and an empty or missing one is refused.
    """
    if seen is not None and seen != current:
        raise error


class SeenFormMixin:
    """A sign form that carries, hidden, the digest of what its page shows (`seen=` when it is made)."""

    confirm_field = "confirm"

    def __init__(self, *args, seen, **kwargs):
        super().__init__(*args, **kwargs)
        # Not required: a missing digest is refused by require_seen, with its message.
        self.fields["seen"] = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)
        self.initial["seen"] = seen

    @property
    def seen(self):
        return self.cleaned_data.get("seen") or ""

    def reread(self, current, error):
        """After `error` (CHANGED): show the page's new digest, untick the confirmation and say why.

        The page shows the record as it is now; signing it is a new decision, so the box is ticked again.
        """
        _show_again(self, error, {"seen": current}, drop=[self.confirm_field])
