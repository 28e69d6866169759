"""The public portal links every part's public pages, and each answers without login (R38)."""

from efficiency import portal


def test_every_portal_link_answers_without_login(client, db):
    codes = {link["code"] for link in portal.links()}
    assert {"guide", "lookup", "complaint", "complaint_track", "bulletins", "inspections"} <= codes
    home = client.get("/public/")
    assert home.status_code == 200
    for link in portal.links():
        url = str(link["url"])
        assert url in home.content.decode()
        assert client.get(url).status_code == 200, url
