from .models import Role


def platform(request):
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        from .portal import links

        return {"ROLE": None, "public_links": links()}  # the public pages' menu (templates/portal/_nav.html)
    from .notifications import inbox_unread_count
    from .queries import provisional_banner

    return {
        "ROLE": user.role,
        "Role": Role,
        "unread_count": inbox_unread_count(user),
        "provisional_years": provisional_banner(user),
    }
