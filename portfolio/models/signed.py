from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portfolio.enums import SignedStatus
from portfolio.models.plans import FrozenRecordError


class SignedRecord(models.Model):
    """A record that is written as a draft and then signed; once signed it never changes.

    The guard is here, on the model, so no view, command or admin can get around it:
    a signed row refuses save() and delete(). Signing itself goes through a domain
    function that saves the draft row with its new status.
    """

    status = models.CharField(_("status"), max_length=8, choices=SignedStatus.choices, default=SignedStatus.DRAFT)
    signed_at = models.DateTimeField(_("signed"), null=True, blank=True)

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status=SignedStatus.DRAFT) | models.Q(signed_at__isnull=False),
                name="%(class)s_signed_has_time",
            )
        ]

    def save(self, *args, **kwargs):
        if self._stored_signed():
            raise FrozenRecordError(f"A signed {self._meta.model_name} cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self._stored_signed():
            raise FrozenRecordError(f"A signed {self._meta.model_name} cannot be deleted.")
        return super().delete(*args, **kwargs)

    def mark_signed(self):
        """Draft → signed: the last save the row allows. Domain functions call this after
        their checks, on a row they have locked."""
        self.status = SignedStatus.SIGNED
        self.signed_at = timezone.now()
        # Subclasses stamp their own `updated_at` (auto_now); it belongs in the same save.
        fields = ["status", "signed_at"] + (["updated_at"] if hasattr(self, "updated_at") else [])
        self.save(update_fields=fields)
        return fields

    @property
    def is_signed(self):
        return self.status == SignedStatus.SIGNED

    def _stored_signed(self):
        if self.pk is None:
            return False
        stored = type(self).objects.filter(pk=self.pk).values_list("status", flat=True).first()
        return stored == SignedStatus.SIGNED


def refuse_m2m_change_when_signed(sender, instance, action, **kwargs):
    """save() cannot see many-to-many changes; connect this to a signed record's through model."""
    if action in {"pre_add", "pre_remove", "pre_clear"} and getattr(instance, "is_signed", False):
        raise FrozenRecordError(f"The links of a signed {instance._meta.model_name} cannot be changed.")
