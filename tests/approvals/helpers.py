"""Shared builders for the approvals tests."""

from datetime import datetime

from approvals import services
from approvals.models import Material
from efficiency.workdays import SHANGHAI

# Monday 2025-11-03, a plain working week (no holidays until 2026).
MONDAY = datetime(2025, 11, 3, 10, 0, tzinfo=SHANGHAI)
PERSON_ID = "11010519491231002X"  # GB 11643's own example
ENTERPRISE_ID = "91350100M000100Y43"  # GB 32100's own example


def make_item(org, *, joint=(), deemed=True, committed=10, legal=20, code="ZRZY-001", name="建设工程规划许可证核发"):
    return services.item_save(
        actor=org.head_a, unit=org.unit_a, code=code, name=name, legal_basis="《中华人民共和国城乡规划法》第四十条",
        conditions="依法取得建设用地使用权", procedure="申请—受理—审查—决定", fee="", legal_limit=legal,
        committed_limit=committed, deemed_approval=deemed, is_published=True,
        materials=["建设工程规划许可证申请表", "建设用地使用权证明", "设计方案总平面图"], joint_units=list(joint),
    )


def receive(org, item, *, missing=0, kind="enterprise"):
    materials = list(Material.objects.filter(item=item).order_by("order"))
    given = materials[: len(materials) - missing]
    return services.application_receive(
        actor=org.clerk_a, item=item, applicant_kind=kind, applicant_name="鄂州市某某置业有限公司",
        applicant_id_number=ENTERPRISE_ID if kind == "enterprise" else PERSON_ID, applicant_phone="13800000000",
        project="滨湖商业综合体", materials=given,
    )
