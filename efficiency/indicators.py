"""Indicators that may not be used to assess anyone (2019 意见 (二十二), R53): matching meetings,
documents or coordination bodies (对口开会、发文、成立议事协调机构), a dedicated office (专设办公室),
rules on the wall (制度上墙), articles placed in internal journals and briefings (内刊简报上稿),
following a WeChat account. Written once here; the scorecard's components are a closed list that
names none of them (dashboards.models.ScoreWeight, tested), and an inspection or assessment
plan whose content lists one is refused (inspection.services.plan_create / plan_update).
"""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _

# rule: R53 enforced
BANNED_INDICATORS = [
    ("meetings", _("对口开会"), re.compile(r"对口.{0,4}(开会|会议)|(开会|会议|召开会议)(的)?(次数|数量|场次)")),
    ("documents", _("对口发文"), re.compile(r"对口.{0,4}发文|(发文|印发文件)(的)?(数量|件数|次数)")),
    ("bodies", _("成立议事协调机构"), re.compile(r"(成立|设立|组建).{0,8}议事协调机构")),
    ("office", _("专设办公室"), re.compile(r"专设.{0,6}办公室|(专门|单独)(设立|成立).{0,8}办公室")),
    ("wall", _("制度上墙"), re.compile(r"上墙")),
    ("journals", _("内刊简报上稿"), re.compile(r"(内刊|简报|信息).{0,6}(上稿|用稿|采用)|上稿")),
    ("wechat", _("关注微信公众号"), re.compile(r"关注.{0,10}公众号|公众号.{0,4}(关注|粉丝)")),
]


def banned_indicators(*texts: str) -> list[str]:
    """The labels of the banned indicators the texts name, in table order (R53)."""
    text = re.sub(r"\s+", "", "".join(t or "" for t in texts))
    return [str(label) for _key, label, pattern in BANNED_INDICATORS if pattern.search(text)]
