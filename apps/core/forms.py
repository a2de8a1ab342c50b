"""Form pieces shared by every app."""

from crispy_forms.layout import Fieldset
from django import forms


class ChangeReasonFormMixin(forms.Form):
    """An optional “why” that goes into the record's history with the change, and, when an
    existing versioned record is edited, the hidden ``version`` it was read at (optimistic
    concurrency: see :mod:`apps.core.concurrency`)."""

    change_reason = forms.CharField(
        label="Reason for this change",
        required=False,
        max_length=255,
        help_text="Optional; shown in the history with your change.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = getattr(self, "instance", None)
        if instance is not None and instance.pk and hasattr(instance, "version"):
            self.fields["version"].initial = instance.version
        else:
            del self.fields["version"]

    @property
    def expected_version(self) -> int | None:
        """The version of the record the person started from (``None``: no check)."""
        return self.cleaned_data.get("version") if "version" in self.fields else None

    def change_reason_layout(self):
        extra = ["version"] if "version" in self.fields else []
        return [Fieldset("History", "change_reason", *extra)]


class RecordForm(ChangeReasonFormMixin, forms.ModelForm):
    """The form of a record that a service writes: the generic create and edit views pass
    :meth:`service_data` to the service (not ``form.save()``), with the reason and version."""

    def service_data(self) -> dict:
        """The values the service writes: the form's model fields (override to add others)."""
        return {name: self.cleaned_data[name] for name in self._meta.fields}
