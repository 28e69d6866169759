import pytest
from django.core.exceptions import ValidationError

from efficiency.models import AuditLog
from inspection import draws, services

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(org, plan_factory, draw_org):
    targets, inspectors = draw_org
    plan = services.plan_approve(actor=org.leader, plan=plan_factory(units=targets, sample_size=4))
    tp = services.target_pool_create(actor=org.office, name="市直单位", issuing_unit=org.office_unit, units=targets)
    ip = services.inspector_pool_create(actor=org.office, name="督查人员", issuing_unit=org.office_unit,
                                        members=inspectors)
    return plan, tp, ip


def test_rerunning_a_draw_from_its_recorded_seed_gives_the_same_targets_and_inspectors(org, setup):  # R32
    plan, tp, ip = setup
    draw = services.draw_make(actor=org.office, plan=plan, target_pool=tp, inspector_pool=ip, n_targets=4,
                              per_target=2)
    assert services.draw_verify(draw)
    again = services.draw_make(actor=org.office, plan=plan, target_pool=tp, inspector_pool=ip, n_targets=4,
                               per_target=2, seed=int(draw.seed))
    assert again.result == draw.result
    pairs = lambda d: [(a.position, a.target_id, a.inspector_id) for a in d.assignments.all()]  # noqa: E731
    assert pairs(again) == pairs(draw)


def test_different_seeds_give_different_draws(org, setup):  # R32
    plan, tp, ip = setup
    results = {str(services.draw_make(actor=org.office, plan=plan, target_pool=tp, inspector_pool=ip, n_targets=4,
                                      seed=s).result) for s in (1, 2, 3)}
    assert len(results) > 1


def test_the_draw_is_written_to_the_audit_log_with_its_seed(org, setup):  # R32
    plan, tp, ip = setup
    draw = services.draw_make(actor=org.office, plan=plan, target_pool=tp, inspector_pool=ip, n_targets=2,
                              seed=12345678901234567890)
    row = AuditLog.objects.get(object_type="inspection.draw", object_id=str(draw.pk))
    assert row.after["seed"] == "12345678901234567890" and row.after["algorithm"] == draws.ALGORITHM


def test_an_inspector_is_never_drawn_for_their_own_unit_over_500_draws(draw_org):  # R32 回避
    targets, inspectors = draw_org
    pools = draws.snapshot(targets, inspectors)
    unit_of = {i.pk: i.unit_id for i in inspectors}
    for seed in range(500):
        for target, team in draws.rerun(seed, pools, n_targets=6, per_target=3):
            assert all(unit_of[i] != target for i in team)
            assert len(set(team)) == 3


def test_own_unit_inspectors_are_drawn_for_other_units(draw_org):  # R32: 回避 excludes, it does not ban
    targets, inspectors = draw_org
    pools = draws.snapshot(targets, inspectors)
    own_unit_people = {i.pk for i in inspectors if i.unit_id in {t.pk for t in targets}}
    drawn = {i for seed in range(50) for _, team in draws.rerun(seed, pools, n_targets=6, per_target=3) for i in team}
    assert own_unit_people & drawn


def test_it_refuses_to_draw_more_targets_than_the_plan_approved(org, setup):  # R30
    plan, tp, ip = setup
    with pytest.raises(ValidationError, match="抽查单位数"):
        services.draw_make(actor=org.office, plan=plan, target_pool=tp, inspector_pool=ip, n_targets=5)


def test_the_algorithm_is_stable_for_a_known_seed():  # R32: documented procedure, pinned output
    targets = [draws.Target(f"U{i}", i) for i in range(1, 6)]
    inspectors = [draws.Inspector(f"p{i}", 100 + i, None) for i in range(1, 5)]
    expected = [(1, [103, 101]), (5, [102, 101])]  # published procedure, seed 42: must never change
    assert draws.run(42, targets, inspectors, n_targets=2, per_target=2) == expected
    assert draws.run(42, list(reversed(targets)), list(reversed(inspectors)), n_targets=2, per_target=2) == expected


def test_the_drawn_inspectors_are_notified_and_the_targets_are_not(org, setup):  # R32
    from efficiency.models import Event
    plan, tp, ip = setup
    draw = services.draw_make(actor=org.office, plan=plan, target_pool=tp, inspector_pool=ip, n_targets=2,
                              per_target=2, seed=7)
    event = Event.objects.get(kind="inspection.draw", subject_id=draw.pk)
    drawn = {i for row in draw.result for i in row["inspectors"]}
    assert set(event.recipients) == {f"user:{i}" for i in drawn}
    assert event.unit == org.office_unit


def test_anyone_can_rerun_a_published_draw_from_its_public_snapshot(client, org, setup):  # R32 一公开
    plan, tp, ip = setup
    draw = services.draw_make(actor=org.office, plan=plan, target_pool=tp, inspector_pool=ip, n_targets=3,
                              per_target=2)
    assert client.get(f"/inspection/public/draws/{draw.pk}/snapshot.json").status_code == 404
    services.draw_publish(actor=org.office, draw=draw)
    body = client.get(f"/inspection/public/draws/{draw.pk}/snapshot.json").json()
    again = draws.rerun(int(body["seed"]), body, n_targets=body["n_targets"], per_target=body["per_target"])
    assert [{"target": t, "inspectors": team} for t, team in again] == body["result"]
    assert "insp_" not in str(body)  # no accounts
    page = client.get(f"/inspection/public/draws/{draw.pk}/").content.decode()
    assert body["seed"] in page and "insp_" not in page


def test_a_draw_is_not_published_while_an_unannounced_visit_to_a_drawn_unit_is_open(org, setup):  # R32 R33
    from efficiency.models import Unit
    from inspection.models import Method
    plan, tp, ip = setup
    draw = services.draw_make(actor=org.office, plan=plan, target_pool=tp, inspector_pool=ip, n_targets=2, seed=3)
    target = Unit.objects.get(pk=draw.result[0]["target"])
    visit = services.visit_record(actor=org.office, plan=plan, draw=draw, unit=target, kind=Method.UNANNOUNCED,
                                  visited_on=plan.start_date)
    with pytest.raises(ValidationError, match="暗访"):
        services.draw_publish(actor=org.office, draw=draw)
    services.visit_close(actor=org.office, visit=visit)
    assert services.draw_publish(actor=org.office, draw=draw).published_at is not None
