"""The API tokens page: one's own tokens (issue one, revoke one); the security administrator
sees everybody's live tokens and may revoke any (三员分立: the security administrator's duty).

Mounted by efficiency/urls.py:
    path("accounts/tokens/", token_views.tokens_page, name="api_tokens"),
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import tokens
from .models import Role


class TokenIssueForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("用途"), max_length=64, required=False,
                           help_text=gettext_lazy("如“数据同步脚本”，便于日后识别和撤销"))


@login_required
def tokens_page(request):
    form = TokenIssueForm()
    issued_key = None
    if request.method == "POST" and "revoke" in request.POST:
        token = tokens.token_access(request.user, request.POST["revoke"], request=request)
        tokens.token_revoke(actor=request.user, token=token, request=request)
        messages.success(request, _("令牌 %(prefix)s… 已撤销。") % {"prefix": token.prefix})
        return redirect("api_tokens")
    if request.method == "POST":
        form = TokenIssueForm(request.POST)
        if form.is_valid():
            # The key is shown in this answer only (never in a redirect's flash message, which
            # the cookie-backed message store would keep in the browser).
            _token, issued_key = tokens.token_issue(actor=request.user, user=request.user,
                                                    name=form.cleaned_data["name"])
            form = TokenIssueForm()
    now = timezone.now()
    rows = tokens.token_list(request.user)
    everybody = request.user.role == Role.SECURITY_ADMIN
    if everybody:
        rows = rows.active(now)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "efficiency/api_tokens.html", {
        "form": form, "issued_key": issued_key, "page": page, "everybody": everybody,
        "ttl_days": settings.API_TOKEN_TTL_DAYS,
        "rows": [(token, token.state(now)) for token in page],
    })
