from django import forms

from accounts.models import Segment


class CompetitorLinkForm(forms.Form):
    """Accounts come from the gateway's portfolio view; the view sets both querysets."""

    account = forms.ModelChoiceField(queryset=None)
    competitor = forms.ModelChoiceField(queryset=None)
    segment = forms.ModelChoiceField(queryset=Segment.objects.all(), help_text="The market they compete in.")
    note = forms.CharField(max_length=200, required=False)

    def __init__(self, *args, accounts, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = accounts
        self.fields["competitor"].queryset = accounts
