"""The portal's main pages on the demo data (`seed_plans` + `seed_demo`), each with the demo account that opens it.

One list shared by the accessibility, HTML-validity, Chinese-only and screenshot checks, so they all look at the
same pages. Call `main_pages()` after the demo data is loaded.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse


@dataclass(frozen=True)
class MainPage:
    slug: str  # file name of its screenshot, e.g. "dashboard"
    title: str  # what the page is, in Chinese (for reports)
    username: str  # the demo account that opens it ("" = signed out)
    path: str


def main_pages() -> list[MainPage]:
    from tracker import models as m

    cumt = m.Institution.objects.get(code="cumt")
    plan = m.Plan.objects.filter(institution=cumt).order_by("pk").first()
    task = m.Task.objects.filter(stage__phase__plan=plan, updates__isnull=False).order_by("pk").first()
    college = m.OrgUnit.objects.filter(institution=cumt, name="机电工程学院").get()
    volunteer = m.Volunteer.objects.filter(unit=college).order_by("pk").first()
    team = m.Team.objects.filter(institution=cumt).order_by("pk").first()
    platform = m.WorkPlatform.objects.filter(institution=cumt).order_by("pk").first()
    activity = m.Activity.objects.filter(unit__institution=cumt).order_by("pk").first()
    quota = m.Quota.objects.filter(institution=cumt).order_by("pk").first()
    standard = m.Standard.objects.order_by("pk").first()
    rnd = m.AssessmentRound.objects.filter(institution=cumt, standard__level="college").order_by("pk").first()
    assessment = m.Assessment.objects.filter(round=rnd, unit=college).get()
    rectification = m.Rectification.objects.filter(institution=cumt).order_by("pk").first()
    review = m.Review.objects.filter(institution=cumt).order_by("pk").first()
    match = m.MenuMatch.objects.filter(need__unit__institution=cumt).order_by("pk").first()
    dashboard_college = m.OrgUnit.objects.filter(institution=cumt, name="矿业工程学院").get()

    pages = [
        MainPage("login", "登录", "", reverse("login")),
        # the home page of every role is its 我的待办 (issue 15)
        MainPage("home", "我的待办（工作人员）", "staff", reverse("tracker:home")),
        MainPage("home-secretary", "我的待办（学院秘书）", "secretary", reverse("tracker:home")),
        MainPage("home-leader", "我的待办（校领导）", "leader", reverse("tracker:home")),
        MainPage("home-reviewer", "我的待办（评审专家）", "reviewer", reverse("tracker:home")),
        MainPage("reminders", "我的提醒", "secretary", reverse("tracker:reminder-list")),
        MainPage("dashboard", "工作总览", "leader", reverse("tracker:dashboard")),
        MainPage("dashboard-college", "学院工作总览", "leader",
                 reverse("tracker:dashboard-college", args=[dashboard_college.pk])),
        MainPage("snapshots", "报表存档", "staff", reverse("tracker:snapshot-list")),
        MainPage("plans", "实施计划", "staff", reverse("tracker:plan-list")),
        MainPage("plan", "推进表", "staff", reverse("tracker:plan-detail", args=[plan.pk])),
        MainPage("task", "任务", "staff", reverse("tracker:task-detail", args=[task.pk])),
        MainPage("quotas", "指标", "leader", reverse("tracker:quota-list")),
        MainPage("quota", "指标详情", "leader", reverse("tracker:quota-detail", args=[quota.pk])),
        MainPage("standards", "标准", "staff", reverse("tracker:standard-list")),
        MainPage("standard", "标准详情", "staff", reverse("tracker:standard-detail", args=[standard.pk])),
        MainPage("standard-import", "导入标准", "staff", reverse("tracker:standard-import")),
        MainPage("rounds", "对标找差自评", "staff", reverse("tracker:round-list")),
        MainPage("round-board", "报送情况", "staff", reverse("tracker:round-board", args=[rnd.pk])),
        # the plan editor and the 推进表 import (issue 14)
        MainPage("plan-editor", "编辑计划", "staff", reverse("tracker:plan-editor", args=[plan.pk])),
        MainPage("plan-create", "新建计划", "staff", reverse("tracker:plan-create")),
        MainPage("task-edit", "编辑任务", "staff", reverse("tracker:task-edit", args=[task.pk])),
        MainPage("plan-import", "导入推进表", "staff", reverse("tracker:plan-import")),
        # copy forward (issue 14.5)
        MainPage("plan-copy", "复制计划到新周期", "staff", reverse("tracker:plan-copy", args=[plan.pk])),
        MainPage("standard-copy", "复制标准到新周期", "staff", reverse("tracker:standard-copy", args=[standard.pk])),
        MainPage("round-copy", "复制轮次到新周期", "staff", reverse("tracker:round-copy", args=[rnd.pk])),
        MainPage("assessment", "学院自评", "secretary", reverse("tracker:assessment-detail", args=[assessment.pk])),
        MainPage("rectifications", "整改清单", "staff", reverse("tracker:rectification-list")),
        MainPage("rectification", "整改事项", "staff",
                 reverse("tracker:rectification-detail", args=[rectification.pk])),
        MainPage("reviews", "片区评议", "staff", reverse("tracker:review-list")),
        MainPage("review", "评议详情", "reviewer", reverse("tracker:review-detail", args=[review.pk])),
        MainPage("roster", "花名册", "secretary", reverse("tracker:volunteer-list")),
        MainPage("volunteer", "志愿者", "secretary", reverse("tracker:volunteer-detail", args=[volunteer.pk])),
        MainPage("volunteer-new", "新增志愿者", "secretary", reverse("tracker:volunteer-create")),
        MainPage("roster-import", "导入花名册", "secretary", reverse("tracker:roster-import")),
        MainPage("teams", "工作队伍", "staff", reverse("tracker:team-list")),
        MainPage("team", "队伍详情", "staff", reverse("tracker:team-detail", args=[team.pk])),
        MainPage("platforms", "工作平台", "staff", reverse("tracker:platform-list")),
        MainPage("platform", "平台详情", "staff", reverse("tracker:platform-detail", args=[platform.pk])),
        MainPage("ledger", "工作台账", "secretary", reverse("tracker:activity-list")),
        MainPage("activity", "台账记录", "staff", reverse("tracker:activity-detail", args=[activity.pk])),
        MainPage("activity-new", "新增台账记录", "secretary", reverse("tracker:activity-create")),
        MainPage("menus", "双菜单", "staff", reverse("tracker:menu-board")),
        MainPage("account", "我的账号", "secretary", reverse("account")),
        MainPage("password", "修改密码", "secretary", reverse("password_change")),
        MainPage("api-tokens", "API 令牌", "staff", reverse("api_tokens")),
        MainPage("setup", "设置", "staff", reverse("tracker:setup")),
        MainPage("setup-units", "单位设置", "staff", reverse("tracker:setup-unit-list")),
        MainPage("setup-unit-new", "新增单位", "staff", reverse("tracker:setup-unit-create")),
        MainPage("setup-accounts", "账号设置", "staff", reverse("tracker:setup-account-list")),
        MainPage("setup-account-new", "新增账号", "staff", reverse("tracker:setup-account-create")),
        MainPage("setup-import", "批量设置", "staff", reverse("tracker:setup-import")),
        MainPage("setup-institution-new", "新增学校", "admin", reverse("tracker:setup-institution-create")),
        # (issue 15) group robots and the delivery log, under 设置 (the demo has no robot: the list says so)
        MainPage("setup-webhooks", "群机器人", "staff", reverse("tracker:webhook-list")),
        MainPage("setup-webhook-new", "添加群机器人", "staff", reverse("tracker:webhook-create")),
        MainPage("setup-deliveries", "消息发送记录", "staff", reverse("tracker:delivery-log")),
        # exports as jobs (issue 18, the task queue): the list, and the demo's finished whole file
        MainPage("exports", "导出", "staff", reverse("tracker:export-list")),
        MainPage("export-job", "导出进度", "staff",
                 m.ExportJob.objects.filter(requested_by__username="staff").order_by("pk").first().get_absolute_url()),
    ]
    if match is not None:
        pages.append(MainPage("match", "对接详情", "staff", reverse("tracker:match-detail", args=[match.pk])))
    return pages
