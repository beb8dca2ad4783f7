"""Score alerts in the navigation: mark them read."""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from relationships.scoring.alerts import score_alerts_mark_read


@require_POST
def alerts_mark_read(request):
    count = score_alerts_mark_read(user=request.user)
    messages.success(request, f"{count} alert{'s' if count != 1 else ''} marked read.")
    back = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=False)
    return redirect(back if safe and back else "home")
