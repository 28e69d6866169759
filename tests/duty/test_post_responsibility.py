"""岗位责任制 (R67): a unit's duties split into its internal bodies and posts, each stated in the
eight parts (内容、数量、质量、程序、标准、时限、权限、责任), kept by the unit's head."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from duty import services
from duty.models import BodyDuty, Post
from efficiency.models import AuditLog, Section, User

pytestmark = pytest.mark.django_db

EIGHT = {
    "content": "不动产登记申请的受理、审核和登簿", "quantity": "日均 60 件", "quality": "差错率低于 0.5%",
    "procedure": "受理—审核—登簿—发证", "standard": "《不动产登记暂行条例》及实施细则",
    "time_limit": "一般登记 5 个工作日", "authority": "登记审核，不含行政处罚", "responsibility": "登记错误的过错责任",
}


def body(org, name="登记科", **fields):
    return services.body_duty_set(actor=org.head_a, unit=org.unit_a, name=name, fields={**EIGHT, **fields})


def test_r67_an_internal_body_and_its_posts_are_stated_in_the_eight_parts(org):
    b = body(org)
    assert b.section == Section.objects.get(unit=org.unit_a, name="登记科")  # joined the org chart
    post = services.post_set(actor=org.head_a, body=b, name="登记审核岗", fields=EIGHT)
    assert [label for label, _text in post.statement] == ["工作内容", "数量", "质量", "程序", "标准", "时限", "权限",
                                                          "责任"]
    assert (post.unit, post.time_limit, post.updated_by) == (org.unit_a, "一般登记 5 个工作日", org.head_a)
    again = services.post_set(actor=org.head_a, body=b, name="登记审核岗", fields={**EIGHT, "quantity": "日均 80 件"})
    assert again.pk == post.pk and Post.objects.get().quantity == "日均 80 件"
    audit = AuditLog.objects.filter(object_type="duty.post").order_by("pk")
    assert [a.action for a in audit] == ["create", "update"] and audit[1].before["quantity"] == "日均 60 件"


@pytest.mark.parametrize("missing", ["content", "quantity", "quality", "procedure", "standard", "time_limit",
                                     "authority", "responsibility"])
def test_r67_a_post_missing_any_of_the_eight_is_refused_with_a_clear_message(org, missing):
    b = body(org)
    with pytest.raises(ValidationError) as exc:
        services.post_set(actor=org.head_a, body=b, name="窗口受理岗", fields={**EIGHT, missing: "  "})
    assert list(exc.value.message_dict) == [missing]
    label = Post._meta.get_field(missing).verbose_name
    assert f"缺少：{label}" in exc.value.message_dict[missing][0]
    assert not Post.objects.exists()
    with pytest.raises(ValidationError):
        body(org, name="综合科", **{missing: ""})
    assert not BodyDuty.objects.filter(section__name="综合科").exists()


def test_r67_the_message_names_every_missing_part(org):
    with pytest.raises(ValidationError) as exc:
        services.post_set(actor=org.head_a, body=body(org), name="窗口受理岗", fields={"content": "受理"})
    assert "缺少：数量、质量、程序、标准、时限、权限、责任。" in exc.value.messages[0]


@pytest.mark.parametrize("who", ["head_b", "clerk_a", "office", "leader", "sysadmin"])
def test_r67_only_the_units_own_head_keeps_the_register(org, who):
    b = body(org)
    with pytest.raises(PermissionDenied):
        services.body_duty_set(actor=getattr(org, who), unit=org.unit_a, name="综合科", fields=EIGHT)
    with pytest.raises(PermissionDenied):
        services.post_set(actor=getattr(org, who), body=b, name="窗口受理岗", fields=EIGHT)
    post = services.post_set(actor=org.head_a, body=b, name="窗口受理岗", fields=EIGHT)
    with pytest.raises(PermissionDenied):
        services.post_remove(actor=getattr(org, who), post=post)
    services.post_remove(actor=org.head_a, post=post)
    assert not Post.objects.exists() and AuditLog.objects.filter(action="delete", object_type="duty.post").exists()


def test_r67_pages_read_by_the_unit_and_the_office_kept_by_the_head(org, client):
    b = body(org)
    url = f"/duty/posts/{org.unit_a.pk}/"
    form = {"action": "post", "body": b.pk, "name": "档案管理岗", **EIGHT}
    client.force_login(org.head_a)
    response = client.post(url, {**form, "standard": ""})
    assert response.status_code == 400 and "缺少：标准" in response.content.decode()
    assert client.post(url, form).status_code == 302
    assert Post.objects.get().name == "档案管理岗"
    # Who holds the post, and the AB岗 backup who acts for them (R49), from the org chart.
    User.objects.filter(pk=org.clerk_a.pk).update(post="档案管理岗", backup=org.head_a)
    page = client.get(url).content.decode()
    assert "档案管理岗" in page and "一般登记 5 个工作日" in page and "保存岗位" in page
    assert "张经办（B角：李局长）" in page
    assert f'href="{url}"' in client.get(f"/org/units/{org.unit_a.pk}/").content.decode()  # listed on the unit
    client.force_login(org.clerk_a)  # reads, cannot keep
    assert "档案管理岗" in client.get(url).content.decode() and "保存岗位" not in client.get(url).content.decode()
    assert client.post(url, {**form, "name": "另一岗"}).status_code == 403
    client.force_login(org.office)
    assert client.get(url).status_code == 200 and client.get("/duty/posts/").status_code == 200
    client.force_login(org.head_b)  # another unit's head
    assert client.get(url).status_code == 404 and client.post(url, form).status_code == 404
    assert client.get("/duty/posts/").url == f"/duty/posts/{org.unit_b.pk}/"
    assert Post.objects.count() == 1


def test_r67_api_lists_the_register_and_refuses_an_incomplete_post(org, client):
    b = body(org)
    api = f"/api/v1/duty/units/{org.unit_a.pk}/"
    client.force_login(org.head_a)
    bad = client.post(api + "posts/", {"body": b.pk, "name": "窗口受理岗", **EIGHT, "authority": ""},
                      content_type="application/json")
    assert bad.status_code == 400 and "缺少：权限" in bad.content.decode()
    ok = client.post(api + "posts/", {"body": b.pk, "name": "窗口受理岗", **EIGHT}, content_type="application/json")
    assert ok.status_code == 201 and ok.json()["time_limit"] == EIGHT["time_limit"]
    created = client.post(api + "bodies/", {"name": "综合科", **EIGHT}, content_type="application/json")
    assert created.status_code == 201 and created.json()["name"] == "综合科"
    listed = client.get(api + "posts/").json()
    assert {r["name"]: [p["name"] for p in r["posts"]] for r in listed} == {"登记科": ["窗口受理岗"], "综合科": []}
    client.force_login(org.head_b)
    assert client.get(api + "posts/").status_code == 404
    assert client.post(api + "posts/", {"body": b.pk, "name": "x", **EIGHT},
                       content_type="application/json").status_code == 404
    client.force_login(org.leader)
    assert client.get(api + "posts/").status_code == 200
    assert client.post(api + "bodies/", {"name": "x", **EIGHT}, content_type="application/json").status_code == 403
