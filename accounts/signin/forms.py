from django import forms


class CodeForm(forms.Form):
    """A code from the authenticator app, or (on the sign-in page) a recovery code."""

    code = forms.CharField(
        label="Code",
        max_length=20,
        strip=True,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True, "size": 12}
        ),
        error_messages={"required": "Enter the code."},
    )


class EnrolForm(CodeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].label = "Six-digit code from the app"
        self.fields["code"].widget.attrs["inputmode"] = "numeric"
