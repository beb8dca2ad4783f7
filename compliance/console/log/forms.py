"""Filters of the compliance console's access-log pages (compliance/console/log/views.py).

Every field is optional and checked here, so bad input (a date that is not one, from after to, an
account id that is not a number) becomes a form error on the page, never a 500.
"""

import datetime

from django import forms
from django.utils import timezone

from accounts.models import Account
from compliance.access import parse_account_id
from compliance.models import AccessLogEntry

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
OUTCOMES = [("", "Any outcome"), *AccessLogEntry.Outcome.choices]
WHO_SAW_DEFAULT_DAYS = 30
ANOMALY_DEFAULT_DAYS = 7
ANOMALY_MAX_DAYS = 366
EARLIEST, LATEST = datetime.date(1970, 1, 1), datetime.date(9000, 12, 31)


def day_start(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of `day`, in the site's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class DateRangeMixin:
    """`date_from` / `date_to` (inclusive days); `window()` gives [start, end) as datetimes."""

    def _check_range(self, cleaned: dict) -> dict:
        for name in ("date_from", "date_to"):
            day = cleaned.get(name)
            if day is not None and not EARLIEST <= day <= LATEST:
                self.add_error(name, f"Enter a date between {EARLIEST:%Y} and {LATEST:%Y}.")
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            self.add_error("date_to", "The end date is before the start date.")
        return cleaned

    def _with_defaults(self, cleaned: dict, days: int) -> dict:
        """Missing dates become the last `days` days up to today (or up to / from the one given)."""
        if "date_from" in self.errors or "date_to" in self.errors:
            return cleaned
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_to is None:
            date_to = max(timezone.localdate(), date_from) if date_from else timezone.localdate()
        if date_from is None:
            date_from = date_to - datetime.timedelta(days=days - 1)
        cleaned["date_from"], cleaned["date_to"] = date_from, date_to
        return self._check_range(cleaned)

    def window(self) -> tuple[datetime.datetime | None, datetime.datetime | None]:
        date_from, date_to = self.cleaned_data.get("date_from"), self.cleaned_data.get("date_to")
        start = day_start(date_from) if date_from else None
        end = day_start(date_to + datetime.timedelta(days=1)) if date_to else None
        return start, end


def _resolve_account(text: str):
    """An account filter: an id (a one-element list) or part of a name (a queryset of ids).

    None for "any account"; forms.ValidationError for an id that cannot be one.
    """
    text = text.strip()
    if not text:
        return None
    bare = text.removeprefix("#")
    if bare.isdigit():
        pk = parse_account_id(bare)
        if pk is None:
            raise forms.ValidationError("That account id is out of range.")
        return [pk]
    if bare[:1] in "+-" and bare[1:].strip().isdigit():
        raise forms.ValidationError("An account id is a positive whole number.")
    return Account.objects.filter(name__icontains=text).values("pk")


class AccessLogFilterForm(DateRangeMixin, forms.Form):
    user = forms.CharField(required=False, max_length=150, label="User", help_text="Username contains")
    account = forms.CharField(
        required=False, max_length=120, label="Account", help_text="Name contains, or id"
    )
    date_from = forms.DateField(required=False, widget=DATE, label="From")
    date_to = forms.DateField(required=False, widget=DATE, label="To")
    outcome = forms.ChoiceField(required=False, choices=OUTCOMES)
    object_type = forms.CharField(required=False, max_length=100, label="Object type")

    def clean_account(self) -> str:
        text = self.cleaned_data["account"].strip()
        self.account_ids = _resolve_account(text)
        return text

    def clean(self):
        return self._check_range(super().clean())

    def filters(self) -> dict:
        """The selector's keyword arguments (call after `is_valid()`)."""
        data = self.cleaned_data
        start, end = self.window()
        return {
            "username": data.get("user", "").strip(),
            "account_ids": getattr(self, "account_ids", None),
            "start": start,
            "end": end,
            "outcome": data.get("outcome") or "",
            "object_type": data.get("object_type", "").strip(),
        }

    def summary(self) -> str:
        """The filter in words, for the access log's own entry."""
        data = self.cleaned_data
        parts = [
            f"{label}={data[name]}"
            for name, label in (
                ("user", "user"),
                ("account", "account"),
                ("date_from", "from"),
                ("date_to", "to"),
                ("outcome", "outcome"),
                ("object_type", "object_type"),
            )
            if data.get(name) not in (None, "")
        ]
        return "; ".join(parts) or "no filter"

    def single_account_id(self) -> int | None:
        """The account filtered on, when the filter names exactly one (for the log's own entry)."""
        ids = getattr(self, "account_ids", None)
        if ids is None:
            return None
        ids = list(ids if isinstance(ids, list) else ids.values_list("pk", flat=True)[:2])
        return ids[0] if len(ids) == 1 else None


class AnomalyForm(DateRangeMixin, forms.Form):
    date_from = forms.DateField(required=False, widget=DATE, label="From")
    date_to = forms.DateField(required=False, widget=DATE, label="To")

    def clean(self):
        cleaned = self._with_defaults(super().clean(), ANOMALY_DEFAULT_DAYS)
        if not self.errors and (cleaned["date_to"] - cleaned["date_from"]).days >= ANOMALY_MAX_DAYS:
            self.add_error("date_from", f"Look at {ANOMALY_MAX_DAYS} days at most.")
        return cleaned

    def summary(self) -> str:
        return f"from={self.cleaned_data['date_from']}; to={self.cleaned_data['date_to']}"


class WhoSawForm(DateRangeMixin, forms.Form):
    account = forms.CharField(
        max_length=120, label="Account", help_text="Id, or a name that matches one account"
    )
    date_from = forms.DateField(required=False, widget=DATE, label="From")
    date_to = forms.DateField(required=False, widget=DATE, label="To")

    def clean_account(self) -> str:
        text = self.cleaned_data["account"].strip()
        ids = _resolve_account(text)
        accounts = list(
            Account.objects.filter(pk__in=ids or []).only("id", "name").order_by("name", "pk")[:11]
        )
        if not accounts:
            raise forms.ValidationError("No account matches.")
        if len(accounts) > 1:
            exact = [a for a in accounts if a.name.casefold() == text.casefold()]
            if len(exact) != 1:
                names = ", ".join(f"{a.name} (#{a.pk})" for a in accounts[:10])
                raise forms.ValidationError(f"Several accounts match: {names}. Enter the id.")
            accounts = exact
        self.account = accounts[0]
        return text

    def clean(self):
        return self._with_defaults(super().clean(), WHO_SAW_DEFAULT_DAYS)

    def summary(self) -> str:
        data = self.cleaned_data
        return f"account={self.account.pk}; from={data['date_from']}; to={data['date_to']}"
