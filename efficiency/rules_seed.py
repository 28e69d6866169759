"""The seeded time-limit rules: every row of DESIGN.md's table, with its source and rule IDs.

A row whose number the seeds do not set is a local default (RULES.md, "Local defaults — not from
the seeds"): its source is `LOCAL_DEFAULT`, never a seed clause, and `local_default` is set, so
the admin and the rules page (/rules/) show it as 本地默认 (种子未规定). The rule IDs then name the
rule the row serves (R26: complaints are handled), not a source of the number.
"""

WD, D, H, MO = "wd", "d", "h", "mo"

# The label, word for word as RULES.md has it; the admin and the rules page translate it.
LOCAL_DEFAULT = "本地默认 (种子未规定)"

# code, name, item kind, source, rule ids, limit, unit, legal limit, extra fields
RULES = [
    ("instruction.report", "上级文件/重大决策/领导批示：当日报告单位主要负责人", "assignment", "2019 意见（七）", "R03", 0, WD, None, {"warn_value": None, "red_after_workdays": 1}),
    ("instruction.deploy", "上级文件/重大决策/领导批示：布置落实", "assignment", "2019 意见（七）", "R04", 3, WD, None, {}),
    ("field_research.split", "领导调研/现场办公问题：效能办分解交办到单位", "assignment", "2019 意见（七）", "R05", 3, WD, None, {}),
    ("field_research.feedback", "领导调研/现场办公问题：单位反馈办理意见", "assignment", "2019 意见（七）", "R06", 10, WD, None, {}),
    ("policy_difficulty.report", "政策执行困难：单位报告", "assignment", "2019 意见（六）", "R07", 5, WD, None, {}),
    ("policy_difficulty.reply", "政策执行困难：效能办明确答复（继续执行/暂缓执行/按新的方法执行）", "assignment", "2019 意见（六）", "R08", 3, WD, None, {}),
    ("policy.interpretation", "文件印发后政策解读", "assignment", "2019 意见（十三）", "R09", 5, WD, None, {}),
    ("decision.first_report", "未明确时限的决策部署：首次报告", "assignment", "2019 意见（十）", "R10", 1, MO, None, {}),
    ("decision.month_report", "未明确时限的决策部署：首月执行情况报告", "assignment", "2019 意见（十）", "R11", 2, MO, None, {}),
    ("emergency.press", "重大突发事件：新闻发布", "assignment", "2019 意见（十二）", "R12", 24, H, None, {"warn_value": 6, "warn_unit": H, "red_after_workdays": 0}),
    ("task.node", "重点任务节点", "key_task", LOCAL_DEFAULT, "R14", 20, WD, None, {}),
    ("task.progress_report", "重点任务进度报告（默认每月）", "key_task", LOCAL_DEFAULT, "R15", 1, MO, None, {"red_after_workdays": 5}),
    ("application.service", "办件：承诺时限（不超过法定时限）", "application", "2008 鄂办发36号 三（一）2；行政许可法 §42", "R16 R17 R22", 20, WD, 20, {"deemed_approval": True}),
    ("application.joint", "联合办理：法定 45 个工作日", "application", "行政许可法 §42", "R22 R24", 45, WD, 45, {"deemed_approval": True}),
    ("application.notice", "一次性告知：收到材料后 5 个工作日内", "application", "行政许可法 §32", "R20 R21", 5, WD, None, {"red_after_workdays": 0}),
    ("application.review_step", "联审联批：会审单位审查环节", "review_step", LOCAL_DEFAULT, "R24", 5, WD, None, {"deemed_approval": True, "red_after_workdays": 0}),
    ("rating.callback", "差评回访：1 个工作日内", "rating", LOCAL_DEFAULT, "R36", 1, WD, None, {"warn_value": None, "red_after_workdays": 0}),
    ("rating.fix", "差评整改：15 个工作日内", "rating", LOCAL_DEFAULT, "R36", 15, WD, None, {}),
    ("complaint.accept", "效能投诉：受理或不予受理", "complaint", LOCAL_DEFAULT, "R26", 3, WD, None, {"red_after_workdays": 1}),
    ("complaint.return", "效能投诉：非责任单位退回", "complaint", LOCAL_DEFAULT, "R26", 2, WD, None, {"warn_value": None, "red_after_workdays": 0}),
    ("complaint.reply", "效能投诉：办理答复", "complaint", LOCAL_DEFAULT, "R26", 10, WD, None, {}),
    ("rectification", "整改：督查反馈未设期限时的默认期限", "rectification", LOCAL_DEFAULT, "R13", 30, D, None, {}),
    ("case.investigation", "问责案件调查", "accountability_case", LOCAL_DEFAULT, "R28", 20, WD, None, {}),
]


def model_defaults(TimeLimitRule, defaults: dict) -> dict:
    """The row's defaults with `local_default` set from its source, keeping only the fields the
    (historical) model has: an older migration state has no `local_default` yet."""
    fields = {f.name for f in TimeLimitRule._meta.get_fields()}
    defaults = {**defaults, "local_default": defaults.get("source") == LOCAL_DEFAULT}
    return {k: v for k, v in defaults.items() if k in fields}


def seed_rules(TimeLimitRule) -> int:
    created = 0
    for code, name, kind, source, rule_ids, limit, unit, legal, extra in RULES:
        _, was_created = TimeLimitRule.objects.get_or_create(
            code=code,
            defaults=model_defaults(TimeLimitRule, dict(
                name=name, item_kind=kind, source=source, rule_ids=rule_ids, limit_value=limit,
                limit_unit=unit, legal_limit_value=legal, **extra)),
        )
        created += was_created
    return created


def seed_app_rules(TimeLimitRule, rules: dict) -> int:
    """An app's own rule rows ({code: defaults}), created if missing — never overwriting an
    administrator's change; for the app's migration (an older state may lack some fields)."""
    fields = {f.name for f in TimeLimitRule._meta.get_fields()}
    created = 0
    for code, defaults in rules.items():
        created += TimeLimitRule.objects.get_or_create(
            code=code, defaults={k: v for k, v in defaults.items() if k in fields})[1]
    return created


def app_rule(code: str, defaults: dict):
    """An app's rule row, created with its defaults if missing (the test runner's flush puts back
    only the core's rules)."""
    from .models import TimeLimitRule

    return TimeLimitRule.objects.get_or_create(code=code, defaults=defaults)[0]
