"""The competitor graph for compliance officers: list, record and remove competitor pairs."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from accounts import services as account_services
from compliance import access
from compliance.access import portfolio_accounts
from compliance.console.competitors.forms import CompetitorLinkForm
from compliance.console.competitors.selectors import competitor_links
from kam.lib.forms import call_service


@permission_required("accounts.view_competitorlink", raise_exception=True)
def competitor_list(request):
    accounts = portfolio_accounts(request.user).order_by("name")
    form = CompetitorLinkForm(request.POST or None, accounts=accounts)
    if request.method == "POST":
        if not request.user.has_perm("accounts.add_competitorlink"):
            messages.error(request, "You may not change the competitor graph.")
            return redirect("compliance:competitors")
        if form.is_valid():
            link = call_service(
                form, account_services.competitor_link_create, actor=request.user, **form.cleaned_data
            )
            if link is not None:
                messages.success(request, f"Recorded: {link}.")
                both = access.serving_both(link.account_a, link.account_b)
                if both:
                    messages.warning(
                        request,
                        f"On both teams: {', '.join(both)}. The first of the two accounts they read walls "
                        "them off from the other for the cooling-off period; move them to one team, or "
                        "record an exception under Walls → Exceptions.",
                    )
                return redirect("compliance:competitors")
    q = request.GET.get("q", "").strip()[:100]
    page = Paginator(competitor_links(q=q), 50).get_page(request.GET.get("page"))
    query = urlencode({"q": q}) if q else ""
    return render(
        request, "compliance/competitorlink_list.html", {"form": form, "page": page, "q": q, "query": query}
    )


@permission_required("accounts.delete_competitorlink", raise_exception=True)
def competitor_delete(request, link_id: int):
    link = get_object_or_404(competitor_links(), pk=link_id)
    if request.method == "POST":
        account_services.competitor_link_delete(link=link)
        messages.success(request, f"Removed: {link}.")
        return redirect("compliance:competitors")
    return render(
        request,
        "includes/confirm_delete.html",
        {
            "title": f"Remove “{link}”?",
            "detail": "The wall between these two account teams will no longer be enforced on this edge.",
            "cancel_url": reverse("compliance:competitors"),
        },
    )
