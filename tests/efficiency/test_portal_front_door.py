"""`/` is the citizens' front door (issue 15 #7): an anonymous visitor gets the public portal with
the staff login one link away; a signed-in person still gets their home; every public page
leads back to the portal; the logo leads to the portal, not to the staff login."""

import re

import pytest

pytestmark = pytest.mark.django_db

PUBLIC_PAGES = [
    "/public/", "/public/units/", "/public/calculator/",
    "/accountability/public/complaint/", "/accountability/public/track/", "/accountability/public/bulletins/",
    "/approvals/public/", "/approvals/public/lookup/", "/inspection/public/",
]


def test_an_anonymous_visitor_at_the_root_gets_the_portal_with_its_doors(client, org):
    response = client.get("/")
    assert response.status_code == 200  # no more redirect to the staff login
    page = response.content.decode()
    for door in ["/accountability/public/complaint/", "/accountability/public/track/", "/approvals/public/lookup/",
                 "/approvals/public/", "/public/units/", "/accountability/public/bulletins/"]:
        assert f'href="{door}"' in page, door
    assert re.search(r'<a href="/accounts/login/"[^>]*id="staff-login"', page)


def test_a_signed_in_person_at_the_root_gets_their_home(client, org):
    client.force_login(org.clerk_a)
    page = client.get("/").content.decode()
    assert "data-home-role" in page and 'id="staff-login"' not in page and 'id="public-menu"' not in page


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_every_public_page_leads_back_to_the_portal_and_to_the_staff_login(client, org, url):
    page = client.get(url).content.decode()
    assert re.search(r'<a class="brand" href="/">', page)  # the logo: `/`, the portal for a visitor
    menu = page[page.index('id="public-menu"'):]
    assert menu.startswith('id="public-menu"') and 'href="/"' in menu[:menu.index("</nav>")]
    assert 'id="staff-login"' in page


def test_a_tracking_page_leads_back_too(client, org):
    from tests.accountability.conftest import file_complaint

    filed = file_complaint(org.unit_a)
    page = client.get(f"/accountability/public/t/{filed.link_token}/").content.decode()
    assert 'id="public-menu"' in page and 'href="/accountability/public/track/"' in page
