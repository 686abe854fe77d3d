"""A seeded generator of a realistic large stack: 20 agents x 30 actions x 300 rules.

The stack is what a mid-size B2B/B2C company with nine teams might agree on: marketing,
lifecycle, sales, success, support, finance, legal, privacy and research agents and
automations acting on the same customers. Its 300 rules use every construct the benchmark
must cover:

- all three kinds (never / must / may), scoped by agents, teams and actions, or global;
- may rules with limits on parameters, over-limit flag (routed) or stop;
- must rules with flag, notify, log and disclose duties;
- enum (`==`, `!=`, `in`), number and bool conditions, list membership and `size()`;
- history conditions: `history.exists(...)` and `history.filter(...).size()` windows
  (`now - e.at <= days(7)`), payload fields, and `e.team != agent.team`;
- `all:` / `any:` / `none:` condition lists; timestamp arithmetic (`renewal_date - now`).

Every condition can be expressed for the Cedar peer (`cedar_peer.py`): history conditions
become context features computed in Python, everything else is native Cedar. The generator
deliberately leaves out time-of-day conditions (`now.getHours(tz)`), which Cedar can't
express either; the sample stacks have them, and the peer handles them as features too.

Usage: `python -m benchmarks.generate_stack -o /tmp/large.yaml [--seed 7] [--rules 300]`.
`generate_stack(seed=7)` returns the YAML text; it needs nothing outside the standard library.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_SEED = 7
DEFAULT_RULES = 300

TEAMS = [
    ("marketing", "Marketing", "Jordan Lee", 30),
    ("lifecycle", "Lifecycle Marketing", "Noor Haddad", 25),
    ("sales", "Sales", "Marco Diaz", 25),
    ("success", "Customer Success", "Priya Raman", 20),
    ("service", "Customer Support", "Aisha Khan", 40),
    ("finance", "Finance", "Sam Ortiz", 10),
    ("legal", "Legal", "Dana Whitfield", 5),
    ("privacy", "Privacy Office", "Lena Novak", 8),
    ("research", "Customer Research", "Tomás Ruiz", 10),
]

DECISIONS = [
    ("positioning", "Product positioning and nurture", "marketing"),
    ("lifecycle-messaging", "Lifecycle messaging", "lifecycle"),
    ("pricing", "Pricing and discounts", "sales"),
    ("expansion", "Expansion and upsell", "sales"),
    ("renewal-conversation", "The renewal conversation", "success"),
    ("support-case", "Support cases and credits", "service"),
    ("billing", "Billing and collections", "finance"),
    ("win-back", "Win-back of lapsing customers", None),  # open on purpose: workshop material
    ("consent", "Consent and preferences", "privacy"),
    ("research", "Surveys and interviews", "research"),
]

CHANNELS = ["email", "sms", "push", "phone", "in_app", "meeting", "chat", "direct_mail"]
PURPOSES = ["marketing", "sales", "service", "success", "billing", "retention", "research"]
OUTBOUND = {"marketing", "sales", "success", "retention", "research"}

# name: (type, extra spec)
ATTRIBUTES: dict[str, dict[str, Any]] = {
    "segment": {"type": "enum", "values": ["enterprise", "mid_market", "smb", "consumer"]},
    "tier": {"type": "enum", "values": ["free", "starter", "growth", "premium"]},
    "lifecycle": {"type": "enum", "values": ["trial", "onboarding", "active", "at_risk", "lapsed", "churned"]},
    "region": {"type": "enum", "values": ["na", "emea", "apac", "latam"]},
    "renewal_stage": {
        "type": "enum",
        "values": ["not_started", "open", "negotiation", "committed", "closed_won", "closed_lost"],
    },
    "health": {"type": "enum", "values": ["green", "yellow", "red"]},
    "arr_usd": {"type": "number", "min": 0, "max": 2000000},
    "ltv_usd": {"type": "number", "min": 0, "max": 5000000},
    "nps": {"type": "number", "min": -100, "max": 100, "default": 0},
    "open_tickets": {"type": "number", "min": 0, "max": 50, "default": 0},
    "churn_risk": {"type": "number", "min": 0, "max": 100},
    "usage_trend_pct": {"type": "number", "min": -100, "max": 500, "default": 0},
    "consent_email": {"type": "bool", "default": True},
    "consent_sms": {"type": "bool", "default": False},
    "consent_phone": {"type": "bool", "default": False},
    "do_not_contact": {"type": "bool", "default": False},
    "cancellation_notice": {"type": "bool", "default": False},
    "vip": {"type": "bool", "default": False},
    "holds": {
        "type": "list",
        "items": "enum",
        "values": ["legal", "procurement", "incident_freeze", "fraud_review"],
        "default": [],
    },
    "renewal_date": {"type": "timestamp"},
    "tz": {"type": "timezone", "default": "UTC"},
}

HISTORY_KINDS = [
    "call_inbound",
    "case_opened",
    "case_closed",
    "complaint",
    "purchase",
    "offer_made",
    "meeting_held",
    "newsletter_opened",
    "unsubscribed",
    "payment_failed",
]
PAYLOAD: dict[str, dict[str, Any]] = {
    "discount_pct": {"type": "number", "default": 0},
    "amount_usd": {"type": "number", "default": 0},
    "positioning": {"type": "enum", "values": ["none", "premium", "value", "neutral"], "default": "none"},
}

# Parameter families: actions of one family share their parameters, so a rule covering several
# of them can put limits on the shared ones.
PARAMS: dict[str, dict[str, dict[str, Any]]] = {
    "none": {},
    "positioning": {"positioning": {"type": "enum", "values": ["premium", "value", "neutral"], "example": "value"}},
    "cadence": {"cadence_days": {"type": "number", "min": 1, "max": 60, "example": 7}},
    "discount": {
        "discount_pct": {"type": "number", "min": 0, "max": 60, "example": 10},
        "acv_impact_usd": {"type": "number", "min": 0, "max": 500000, "example": 20000},
    },
    "meeting": {"duration_min": {"type": "number", "min": 15, "max": 120, "example": 30}},
    "money": {"amount_usd": {"type": "number", "min": 0, "max": 100000, "example": 500}},
    "dunning": {"step": {"type": "number", "min": 1, "max": 4, "example": 1}},
    "incentive": {"incentive_usd": {"type": "number", "min": 0, "max": 200, "example": 25}},
    "mail": {"cost_usd": {"type": "number", "min": 0, "max": 50, "example": 5}},
    "trial": {"trial_days": {"type": "number", "min": 1, "max": 90, "example": 14}},
    "pause": {"months": {"type": "number", "min": 1, "max": 6, "example": 1}},
}

# id, name, decision, channel, purpose, parameter family
ACTIONS = [
    ("send_marketing_email", "Send a marketing email", "positioning", "email", "marketing", "positioning"),
    ("send_newsletter", "Send the newsletter", "positioning", "email", "marketing", "none"),
    ("send_direct_mail", "Send a direct-mail piece", "positioning", "direct_mail", "marketing", "mail"),
    ("send_sms_promo", "Send a promotional SMS", "lifecycle-messaging", "sms", "marketing", "none"),
    ("send_push", "Send a push notification", "lifecycle-messaging", "push", "marketing", "none"),
    ("show_in_app_banner", "Show an in-app banner", "lifecycle-messaging", "in_app", "marketing", "none"),
    ("enroll_nurture", "Enroll in a nurture track", "lifecycle-messaging", "email", "marketing", "cadence"),
    ("start_drip", "Start a retention drip", "lifecycle-messaging", "email", "retention", "cadence"),
    ("enroll_sequence", "Enroll in a sales sequence", "expansion", "email", "sales", "cadence"),
    ("offer_discount", "Offer a discount", "pricing", "email", "sales", "discount"),
    ("offer_upgrade", "Offer a discounted upgrade", "expansion", "email", "sales", "discount"),
    ("renewal_incentive", "Offer a renewal incentive", "renewal-conversation", "email", "success", "discount"),
    ("trigger_winback", "Start a win-back sequence", "win-back", "email", "retention", "discount"),
    ("propose_meeting", "Propose a meeting", "renewal-conversation", "meeting", "sales", "meeting"),
    ("book_demo", "Book a product demo", "expansion", "meeting", "sales", "meeting"),
    ("schedule_qbr", "Schedule a business review", "renewal-conversation", "meeting", "success", "meeting"),
    ("call_outbound", "Place an outbound call", "expansion", "phone", "sales", "none"),
    ("send_checkin", "Send a success check-in", "renewal-conversation", "email", "success", "none"),
    ("grant_trial_extension", "Extend a trial", "expansion", "in_app", "sales", "trial"),
    ("reply_case", "Reply on a support case", "support-case", "chat", "service", "none"),
    ("escalate_case", "Escalate a case by phone", "support-case", "phone", "service", "none"),
    ("issue_credit", "Issue a service credit", "support-case", "email", "service", "money"),
    ("issue_refund", "Issue a refund", "billing", "email", "billing", "money"),
    ("waive_fee", "Waive a late fee", "billing", "email", "billing", "money"),
    ("send_dunning", "Send a payment reminder", "billing", "email", "billing", "dunning"),
    ("suspend_service", "Suspend service for non-payment", "billing", "in_app", "billing", "dunning"),
    ("pause_subscription", "Pause a subscription", "win-back", "in_app", "retention", "pause"),
    ("update_preferences", "Update contact preferences", "consent", "email", "service", "none"),
    ("send_survey", "Send a survey", "research", "email", "research", "incentive"),
    ("invite_research", "Invite to a research interview", "research", "phone", "research", "incentive"),
]
ACTION_BY_ID = {action[0]: action for action in ACTIONS}

# id, name, team, kind, tool, core actions (the rest of the row is drawn at random)
AGENTS = [
    (
        "mkt-nurture-agent",
        "Nurture agent",
        "marketing",
        "ai_agent",
        "HubSpot",
        ["send_marketing_email", "enroll_nurture"],
    ),
    (
        "mkt-campaign-bot",
        "Campaign automation",
        "marketing",
        "automation",
        "Marketo",
        ["send_newsletter", "send_direct_mail"],
    ),
    (
        "mkt-content-agent",
        "Content agent",
        "marketing",
        "ai_agent",
        "Jasper",
        ["send_marketing_email", "show_in_app_banner"],
    ),
    (
        "lifecycle-orchestrator",
        "Lifecycle orchestrator",
        "lifecycle",
        "automation",
        "Braze",
        ["start_drip", "send_push"],
    ),
    ("push-bot", "Push automation", "lifecycle", "automation", "OneSignal", ["send_push", "send_sms_promo"]),
    ("retention-agent", "Retention agent", "lifecycle", "ai_agent", "Braze", ["trigger_winback", "pause_subscription"]),
    ("ai-sdr-agent", "AI sales assistant", "sales", "ai_agent", "Outreach", ["offer_discount", "enroll_sequence"]),
    ("expansion-agent", "Expansion agent", "sales", "ai_agent", "Salesforce", ["offer_upgrade", "book_demo"]),
    ("deal-desk", "Deal desk", "sales", "human_queue", "", ["offer_discount", "offer_upgrade", "renewal_incentive"]),
    ("cs-health-agent", "Success health agent", "success", "ai_agent", "Gainsight", ["send_checkin", "schedule_qbr"]),
    ("renewal-agent", "Renewal agent", "success", "ai_agent", "Gainsight", ["renewal_incentive", "propose_meeting"]),
    ("csm-renewals", "Renewal desk", "success", "human_queue", "", ["renewal_incentive", "propose_meeting"]),
    ("support-agent", "Support agent", "service", "ai_agent", "Zendesk", ["reply_case", "issue_credit"]),
    ("case-router", "Case router", "service", "automation", "Zendesk", ["escalate_case", "reply_case"]),
    ("support-leads", "Support leads", "service", "human_queue", "", ["issue_credit", "issue_refund"]),
    ("billing-bot", "Billing automation", "finance", "automation", "Chargebee", ["send_dunning", "suspend_service"]),
    ("collections-agent", "Collections agent", "finance", "ai_agent", "Chargebee", ["send_dunning", "waive_fee"]),
    ("consent-bot", "Consent automation", "privacy", "automation", "OneTrust", ["update_preferences"]),
    ("research-agent", "Research agent", "research", "ai_agent", "Qualtrics", ["invite_research", "send_survey"]),
    ("legal-review", "Legal review queue", "legal", "human_queue", "", []),
]
TEAM_PURPOSES = {
    "marketing": ["marketing"],
    "lifecycle": ["marketing", "retention"],
    "sales": ["sales"],
    "success": ["success", "sales"],
    "service": ["service"],
    "finance": ["billing"],
    "legal": [],
    "privacy": ["service"],
    "research": ["research"],
}
QUEUES = [agent[0] for agent in AGENTS if agent[3] == "human_queue"]
TEAM_IDS = [team[0] for team in TEAMS]


def _q(value: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(value, ensure_ascii=False)


def _flow(items: list[str]) -> str:
    return "[" + ", ".join(items) + "]"


def _spec(spec: dict[str, Any]) -> str:
    parts = []
    for key, value in spec.items():
        if isinstance(value, bool):
            parts.append(f"{key}: {'true' if value else 'false'}")
        elif isinstance(value, list):
            parts.append(f"{key}: {_flow([str(v) for v in value])}")
        elif isinstance(value, str):
            parts.append(f"{key}: {value}")
        else:
            parts.append(f"{key}: {value}")
    return "{" + ", ".join(parts) + "}"


@dataclass
class _Rule:
    id: str
    kind: str
    owner: str
    rationale: str
    agents: list[str] = field(default_factory=list)
    teams: list[str] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)
    when: Any = None  # str, or ("all"|"any"|"none", [str, ...])
    limits: list[str] = field(default_factory=list)
    over_limit: str = ""
    route: str = ""
    duties: list[dict[str, str]] = field(default_factory=list)

    def yaml(self) -> str:
        lines = [
            f"  - id: {self.id}",
            f"    kind: {self.kind}",
            f"    owner: {self.owner}",
            f"    rationale: {_q(self.rationale)}",
        ]
        for key in ("agents", "teams", "actions"):
            values = getattr(self, key)
            if values:
                lines.append(f"    {key}: {_flow(values)}")
        if isinstance(self.when, str):
            lines.append(f"    when: {_q(self.when)}")
        elif self.when is not None:
            key, items = self.when
            lines.append("    when:")
            lines.append(f"      {key}:")
            lines.extend(f"        - {_q(item)}" for item in items)
        if self.limits:
            lines.append("    limits:")
            lines.extend(f"      - {_q(limit)}" for limit in self.limits)
        if self.over_limit:
            lines.append(f"    over_limit: {self.over_limit}")
        if self.route:
            lines.append(f"    route: {self.route}")
        if self.duties:
            lines.append("    duties:")
            for duty in self.duties:
                lines.append(
                    "      - " + "{" + ", ".join(f"{k}: {_q(v) if k == 'text' else v}" for k, v in duty.items()) + "}"
                )
        return "\n".join(lines)


class _Generator:
    def __init__(self, seed: int, rules: int) -> None:
        self.rng = random.Random(seed)
        self.count = rules
        self.rows = self._rows()

    # -- the matrix ------------------------------------------------------------------------

    def _rows(self) -> dict[str, list[str]]:
        rows: dict[str, list[str]] = {}
        for agent_id, _, team, kind, _, core in AGENTS:
            if not core:
                rows[agent_id] = []
                continue
            fitting = [a[0] for a in ACTIONS if a[4] in TEAM_PURPOSES[team] and a[0] not in core]
            other = [a[0] for a in ACTIONS if a[0] not in core and a[0] not in fitting]
            size = self.rng.randint(3, 6) if kind == "human_queue" else self.rng.randint(7, 13)
            extra = self.rng.sample(fitting, min(len(fitting), max(0, size - len(core) - 2)))
            extra += self.rng.sample(other, max(0, size - len(core) - len(extra)))
            rows[agent_id] = list(dict.fromkeys(core + extra))
        return rows

    def _team_of(self, agent_id: str) -> str:
        return next(agent[2] for agent in AGENTS if agent[0] == agent_id)

    def _family(self, family: str) -> list[str]:
        return [a[0] for a in ACTIONS if a[5] == family]

    def _purpose_actions(self, purposes: set[str]) -> list[str]:
        return [a[0] for a in ACTIONS if a[4] in purposes]

    def _channel_actions(self, channels: set[str]) -> list[str]:
        return [a[0] for a in ACTIONS if a[3] in channels]

    def _some(self, pool: list[str], low: int, high: int) -> list[str]:
        return sorted(self.rng.sample(pool, min(len(pool), self.rng.randint(low, high))))

    def _days(self) -> int:
        return self.rng.choice([1, 2, 3, 7, 7, 14])

    # -- condition pieces -----------------------------------------------------------------------

    def _enum_condition(self) -> str:
        rng = self.rng
        name = rng.choice(["segment", "tier", "lifecycle", "region", "renewal_stage", "health"])
        values: list[str] = ATTRIBUTES[name]["values"]
        shape = rng.random()
        if shape < 0.35:
            return f"customer.{name} == '{rng.choice(values)}'"
        if shape < 0.55:
            return f"customer.{name} != '{rng.choice(values)}'"
        chosen = rng.sample(values, rng.randint(2, max(2, len(values) - 2)))
        return f"customer.{name} in [{', '.join(repr(v) for v in chosen)}]"

    def _number_condition(self) -> str:
        rng = self.rng
        name, thresholds = rng.choice(
            [
                ("arr_usd", [10000, 50000, 100000, 250000]),
                ("ltv_usd", [5000, 50000, 500000]),
                ("nps", [-50, -20, 0, 30, 50]),
                ("open_tickets", [1, 2, 3, 5]),
                ("churn_risk", [30, 50, 70, 85]),
                ("usage_trend_pct", [-60, -40, -20, 0, 25]),
            ]
        )
        return f"customer.{name} {rng.choice(['>=', '<', '>', '<='])} {rng.choice(thresholds)}"

    def _bool_condition(self) -> str:
        name = self.rng.choice(["consent_email", "consent_sms", "vip", "cancellation_notice", "do_not_contact"])
        return f"customer.{name}" if self.rng.random() < 0.6 else f"!customer.{name}"

    def _history_exists(self) -> str:
        rng = self.rng
        days = self._days()
        body = rng.choice(
            [
                f"e.kind == '{rng.choice(['complaint', 'unsubscribed', 'payment_failed', 'case_opened', 'purchase'])}'",
                f"e.team in [{', '.join(repr(t) for t in rng.sample(['sales', 'success', 'marketing', 'lifecycle'], 2))}]"
                " && e.purpose != 'service'",
                "e.kind in ['offer_made', 'offer_discount', 'offer_upgrade'] && e.team != agent.team",
                f"e.kind == 'offer_made' && e.payload.discount_pct >= {rng.choice([10, 15, 20, 25])}",
                f"e.channel == '{rng.choice(['phone', 'sms', 'meeting'])}' && e.purpose == "
                f"'{rng.choice(['sales', 'success', 'marketing'])}'",
                "e.kind == 'send_marketing_email' && e.payload.positioning == 'premium'",
            ]
        )
        window = f"hours({days * 24})" if days <= 2 and rng.random() < 0.5 else f"days({days})"
        return f"history.exists(e, {body} && now - e.at <= {window})"

    def _history_count(self) -> str:
        rng = self.rng
        body = rng.choice(
            [
                f"e.purpose == '{rng.choice(['marketing', 'sales', 'retention'])}'",
                f"e.purpose in ['marketing', 'sales', 'success'] && e.channel == '{rng.choice(['email', 'phone'])}'",
                f"e.channel == '{rng.choice(['email', 'sms', 'push'])}'",
                f"e.team == '{rng.choice(['marketing', 'lifecycle', 'sales'])}'",
                "e.kind == 'complaint'",
            ]
        )
        days = rng.choice([1, 7, 7, 14])
        least = {1: [1, 2], 7: [2, 3, 4], 14: [3, 4, 6]}[days]
        return f"history.filter(e, {body} && now - e.at <= days({days})).size() >= {rng.choice(least)}"

    def _customer_condition(self) -> str:
        roll = self.rng.random()
        if roll < 0.3:
            return self._enum_condition()
        if roll < 0.6:
            return self._number_condition()
        if roll < 0.8:
            return self._bool_condition()
        if roll < 0.9:
            return f"'{self.rng.choice(ATTRIBUTES['holds']['values'])}' in customer.holds"
        return f"customer.renewal_date - now <= days({self.rng.choice([30, 60, 90, 120])})"

    # -- rule templates ---------------------------------------------------------------------------
    # Each template returns a rule without its id; `rules()` draws templates by weight, caps the
    # company-wide ones (one do-not-contact rule per channel group, not ten), and redraws exact
    # duplicates, so the 300 rules read like a real rule book.

    def _outbound(self) -> list[str]:
        return self._purpose_actions(OUTBOUND)

    def t_do_not_contact(self) -> _Rule:
        channels = self.rng.choice([{"email", "sms"}, {"phone"}, {"push", "in_app"}, {"email", "sms", "phone", "push"}])
        return _Rule(
            "",
            "never",
            "privacy",
            "Nobody contacts a customer who asked not to be contacted.",
            actions=sorted(self._channel_actions(channels)),
            when="customer.do_not_contact && action.purpose != 'service'",
        )

    def t_consent(self) -> _Rule:
        channel = self.rng.choice(["sms", "email", "phone"])
        consent = {"sms": "consent_sms", "email": "consent_email", "phone": "consent_phone"}[channel]
        actions = self._channel_actions({channel})
        return _Rule(
            "",
            "never",
            "privacy",
            f"No promotional {channel} without {channel} consent.",
            actions=self._some(actions, 1, len(actions)),
            when=f"!customer.{consent} && action.purpose in ['marketing', 'sales', 'retention']",
        )

    def t_holds(self) -> _Rule:
        hold = self.rng.choice(
            ["size(customer.holds) > 0", "'fraud_review' in customer.holds", "'legal' in customer.holds"]
        )
        return _Rule(
            "",
            "never",
            "legal",
            "Nothing but service goes to an account under a hold or freeze.",
            when=f"{hold} && action.purpose != 'service'",
            actions=self._some(self._outbound(), 4, 10) if self.rng.random() < 0.5 else [],
        )

    def t_param_cap(self) -> _Rule:
        rng = self.rng
        family = rng.choice(["discount", "money", "incentive", "trial"])
        param, values = {
            "discount": ("discount_pct", [30, 40, 50]),
            "money": ("amount_usd", [5000, 10000, 25000]),
            "incentive": ("incentive_usd", [100, 150]),
            "trial": ("trial_days", [45, 60]),
        }[family]
        owner = {"discount": "sales", "money": "finance", "incentive": "research", "trial": "sales"}[family]
        actions = self._family(family)
        return _Rule(
            "",
            "never",
            owner,
            f"No outsized {param.replace('_', ' ')} for these customers.",
            actions=self._some(actions, 1, len(actions)),
            when=f"params.{param} > {rng.choice(values)} && {self._enum_condition()}",
        )

    def t_history_never(self) -> _Rule:
        rng = self.rng
        scope: dict[str, Any] = {}
        if rng.random() < 0.4:
            scope["teams"] = sorted(rng.sample(["marketing", "lifecycle", "sales", "success", "research"], 2))
        return _Rule(
            "",
            "never",
            rng.choice(["sales", "success", "marketing", "service", "lifecycle"]),
            "No touch that contradicts what the customer just lived through.",
            actions=self._some(self._outbound(), 1, 5),
            when=self._history_exists(),
            **scope,
        )

    def t_frequency_cap(self) -> _Rule:
        return _Rule(
            "",
            "never",
            self.rng.choice(["marketing", "lifecycle"]),
            "Contact frequency caps across teams.",
            actions=self._some(self._outbound(), 2, 8),
            when=self._history_count(),
        )

    def t_customer_never(self) -> _Rule:
        rng = self.rng
        when: Any = f"{self._customer_condition()} && {self._customer_condition()}"
        if rng.random() < 0.3:
            when = ("all", [self._customer_condition(), self._customer_condition(), self._customer_condition()])
        return _Rule(
            "",
            "never",
            rng.choice(TEAM_IDS[:6]),
            "Customer states where these actions do harm.",
            actions=self._some(self._outbound(), 1, 6),
            when=when,
        )

    def t_agent_never(self) -> _Rule:
        agent = self.rng.choice([a[0] for a in AGENTS if self.rows[a[0]]])
        return _Rule(
            "",
            "never",
            self._team_of(agent),
            "This agent stays away from at-risk accounts.",
            agents=[agent],
            actions=self._some(self.rows[agent], 1, 3),
            when=f"customer.lifecycle in ['at_risk', 'churned'] && {self._number_condition()}",
        )

    def t_renewal_window(self) -> _Rule:
        when = (
            "all",
            [
                "customer.renewal_stage in ['open', 'negotiation']",
                f"customer.renewal_date - now <= days({self.rng.choice([60, 90, 120])})",
                "action.purpose in ['marketing', 'sales', 'retention']",
            ],
        )
        return _Rule(
            "",
            "must",
            "success",
            "The renewal owner reviews every sales or marketing touch in renewal.",
            when=when,
            duties=[{"do": "flag", "to": "csm-renewals"}, {"do": "log"}],
            actions=self._some(self._outbound(), 4, 12) if self.rng.random() < 0.5 else [],
        )

    def t_touch_review(self) -> _Rule:
        rng = self.rng
        return _Rule(
            "",
            "must",
            rng.choice(["sales", "marketing"]),
            "Many touches across teams; the owner decides.",
            actions=self._some(self._outbound(), 3, 10),
            when=self._history_count(),
            duties=[{"do": "flag", "to": rng.choice(["owner", "sales", "marketing"])}],
        )

    def t_offer_consistency(self) -> _Rule:
        kinds = "['offer_made', 'offer_discount', 'offer_upgrade', 'renewal_incentive']"
        return _Rule(
            "",
            "must",
            "sales",
            "An offer contradicting another team's recent offer is reconciled first.",
            actions=self._some(self._family("discount") + self._family("money"), 2, 5),
            when=f"history.exists(e, e.kind in {kinds} && e.team != agent.team && now - e.at <= days(30))",
            duties=[{"do": "flag", "to": "owner"}],
        )

    def t_key_account(self) -> _Rule:
        rng = self.rng
        return _Rule(
            "",
            "must",
            "sales",
            "Key accounts' teams hear about every automated touch.",
            when=f"customer.arr_usd >= {rng.choice([100000, 250000, 500000])} && action.purpose != 'service'",
            actions=self._some([a[0] for a in ACTIONS], 5, 15) if rng.random() < 0.6 else [],
            duties=[{"do": "log"}, {"do": "notify", "to": rng.choice(["sales", "success"])}],
        )

    def t_open_cases(self) -> _Rule:
        rng = self.rng
        return _Rule(
            "",
            "must",
            "service",
            "Support knows when anyone sells to an account with open cases.",
            when=f"customer.open_tickets >= {rng.choice([2, 3, 5])} && action.purpose in ['marketing', 'sales']",
            actions=self._some(self._purpose_actions({"marketing", "sales"}), 2, 8),
            duties=[{"do": "notify", "to": "service"}],
        )

    def t_terms(self) -> _Rule:
        rng = self.rng
        family = rng.choice(["discount", "money", "trial"])
        param, values = {
            "discount": ("discount_pct", [10, 15, 20]),
            "money": ("amount_usd", [500, 1000]),
            "trial": ("trial_days", [14, 30]),
        }[family]
        return _Rule(
            "",
            "must",
            "legal",
            "Offers above this level carry the standard terms.",
            actions=self._some(self._family(family), 1, 4),
            when=f"params.{param} > {rng.choice(values)}",
            duties=[{"do": "disclose", "text": "Offer subject to the standard terms at example.com/terms."}],
        )

    def t_vip(self) -> _Rule:
        agent = self.rng.choice([a[0] for a in AGENTS if a[3] != "human_queue" and self.rows[a[0]]])
        return _Rule(
            "",
            "must",
            self._team_of(agent),
            "VIPs get a human look before this agent acts.",
            agents=[agent],
            actions=self._some(self.rows[agent], 1, 4),
            when=f"customer.vip && {self._customer_condition()}",
            duties=[{"do": "flag", "to": self.rng.choice(["owner", *QUEUES])}, {"do": "log"}],
        )

    def t_privacy_notice(self) -> _Rule:
        return _Rule(
            "",
            "must",
            "privacy",
            "EU research and marketing carries the privacy notice.",
            when="customer.region == 'emea' && action.purpose in ['research', 'marketing']",
            actions=self._some(self._purpose_actions({"research", "marketing"}), 2, 6),
            duties=[{"do": "disclose", "text": "How we use your data: example.com/privacy."}, {"do": "log"}],
        )

    def t_unhappy(self) -> _Rule:
        rng = self.rng
        return _Rule(
            "",
            "must",
            rng.choice(["success", "service"]),
            "Unhappy customers: the owner hears of every touch.",
            teams=sorted(rng.sample(["marketing", "lifecycle", "sales", "success"], 2)),
            actions=self._some(self._outbound(), 2, 8),
            when=("any", [self._number_condition(), self._history_exists()]),
            duties=[{"do": "notify", "to": rng.choice(["success", "service"])}],
        )

    def t_may(self) -> _Rule:
        rng = self.rng
        agent = rng.choice([a[0] for a in AGENTS if self.rows[a[0]]])
        team = self._team_of(agent)
        row = self.rows[agent]
        family = rng.choice(sorted({ACTION_BY_ID[a][5] for a in row}))
        actions = [a for a in row if ACTION_BY_ID[a][5] == family]
        if len(actions) > 1:
            actions = self._some(actions, 1, len(actions))
        scope: dict[str, Any] = {"teams": [team]} if rng.random() < 0.25 else {"agents": [agent]}
        limits = []
        for param, spec in PARAMS[family].items():
            if spec["type"] != "number" or rng.random() < 0.3:
                continue
            if param == "cadence_days":
                limits.append(f"params.cadence_days >= {rng.choice([3, 7, 14])}")
                continue
            bound = round(spec["min"] + (spec["max"] - spec["min"]) * rng.choice([0.1, 0.2, 0.25, 0.4, 0.5]))
            limits.append(f"params.{param} <= {bound}")
        roll = rng.random()
        when: Any = None
        if roll < 0.4:
            when = self._customer_condition()
        elif roll < 0.55:
            when = f"!{self._history_exists()}"
        elif roll < 0.75:
            when = ("all", [self._customer_condition(), self._customer_condition()])
        elif roll < 0.85:
            when = ("none", [self._bool_condition(), self._enum_condition()])
        over_limit = route = ""
        if limits:
            if rng.random() < 0.3:
                over_limit = "stop"
            else:
                route = rng.choice(["", "", team, *QUEUES])
        return _Rule(
            "",
            "may",
            team,
            f"{agent} acts on its own within these bounds.",
            actions=actions,
            when=when,
            limits=limits,
            over_limit=over_limit,
            route=route,
            **scope,
        )

    # (template, weight, cap)
    TEMPLATES: tuple[tuple[str, int, int], ...] = (
        ("t_do_not_contact", 3, 4),
        ("t_consent", 3, 5),
        ("t_holds", 2, 3),
        ("t_param_cap", 5, 12),
        ("t_history_never", 9, 40),
        ("t_frequency_cap", 5, 15),
        ("t_customer_never", 6, 30),
        ("t_agent_never", 4, 20),
        ("t_renewal_window", 2, 3),
        ("t_touch_review", 4, 10),
        ("t_offer_consistency", 2, 3),
        ("t_key_account", 2, 3),
        ("t_open_cases", 2, 4),
        ("t_terms", 3, 8),
        ("t_vip", 5, 20),
        ("t_privacy_notice", 1, 2),
        ("t_unhappy", 4, 15),
        ("t_may", 45, 1000),
    )

    def rules(self) -> list[_Rule]:
        names = [name for name, _, _ in self.TEMPLATES]
        weights = [weight for _, weight, _ in self.TEMPLATES]
        caps = {name: cap for name, _, cap in self.TEMPLATES}
        used: dict[str, int] = dict.fromkeys(names, 0)
        seen: set[str] = set()
        result: list[_Rule] = []
        prefix = {"never": "nv", "must": "mu", "may": "my"}
        while len(result) < self.count:
            name = self.rng.choices(names, weights)[0]
            if used[name] >= caps[name]:
                continue
            rule = getattr(self, name)()
            key = repr((rule.kind, rule.agents, rule.teams, rule.actions, rule.when, rule.limits))
            if key in seen:
                continue
            seen.add(key)
            used[name] += 1
            rule.id = f"{prefix[rule.kind]}-{len(result) + 1:03d}"
            result.append(rule)
        return result

    # -- the file -------------------------------------------------------------------------------

    def text(self) -> str:
        out: list[str] = [
            "# Generated by benchmarks/generate_stack.py: a large, realistic stack for the engine benchmark.",
            "format: coordination-studio/v1",
            "name: Generated enterprise stack (benchmark)",
            "description: >-",
            "  Twenty agents, automations and human queues across nine teams acting on the same",
            "  customers, with three hundred operating rules.",
            "timezone: UTC",
            'preview_at: "@10:00"',
            f"channels: {_flow(CHANNELS)}",
            f"purposes: {_flow(PURPOSES)}",
            "",
            "teams:",
        ]
        for team_id, name, lead, capacity in TEAMS:
            out.append(
                f"  - {{id: {team_id}, name: {_q(name)}, lead: {_q(lead)}, review_capacity_per_day: {capacity}}}"
            )
        out.append("")
        out.append("decisions:")
        for decision_id, name, owner in DECISIONS:
            owner_part = f", owner: {owner}" if owner else ""
            out.append(f"  - {{id: {decision_id}, name: {_q(name)}{owner_part}}}")
        out += ["", "customer:", "  attributes:"]
        for name, spec in ATTRIBUTES.items():
            out.append(f"    {name}: {_spec(spec)}")
        out += ["  history:", f"    kinds: {_flow(HISTORY_KINDS)}", "    payload:"]
        for name, spec in PAYLOAD.items():
            out.append(f"      {name}: {_spec(spec)}")
        out += ["", "actions:"]
        for action_id, name, decision, channel, purpose, family in ACTIONS:
            out += [
                f"  - id: {action_id}",
                f"    name: {_q(name)}",
                f"    decision: {decision}",
                f"    channel: {channel}",
                f"    purpose: {purpose}",
            ]
            if PARAMS[family]:
                out.append("    params:")
                for param, spec in PARAMS[family].items():
                    out.append(f"      {param}: {_spec(spec)}")
        out += ["", "agents:"]
        for agent_id, name, team, kind, tool, _ in AGENTS:
            out += [f"  - id: {agent_id}", f"    name: {_q(name)}", f"    team: {team}", f"    kind: {kind}"]
            if tool:
                out.append(f"    tool: {tool}")
            out.append(f"    actions: {_flow(self.rows[agent_id])}")
            if self.rows[agent_id]:
                volume = ", ".join(f"{a}: {self.rng.randint(1, 200)}" for a in self.rows[agent_id])
                out.append(f"    daily_volume: {{{volume}}}")
        out += ["", "defaults:", "  ai_agent: flag", "  automation: stop", "  human_queue: flag", "", "rules:"]
        out += [rule.yaml() for rule in self.rules()]
        out += [
            "",
            "customers:",
            "  - id: sample-enterprise",
            "    name: Sample Enterprise",
            "    story: A large account in its renewal window with a recent complaint.",
            "    attributes: {segment: enterprise, tier: premium, lifecycle: active, region: emea,"
            " renewal_stage: open, health: yellow, arr_usd: 300000, ltv_usd: 1200000, churn_risk: 40,"
            " renewal_date: +45d, vip: true}",
            "    history:",
            "      - {at: -2d@10:00, team: service, kind: complaint, channel: chat, purpose: service}",
            "      - {at: -1d@15:00, agent: ai-sdr-agent, kind: offer_discount, channel: email, purpose: sales,"
            " payload: {discount_pct: 10}}",
            "  - id: sample-consumer",
            "    name: Sample Consumer",
            "    story: A quiet consumer customer on a starter plan.",
            "    attributes: {segment: consumer, tier: starter, lifecycle: lapsed, region: na,"
            " renewal_stage: not_started, health: red, arr_usd: 120, ltv_usd: 900, churn_risk: 80,"
            " usage_trend_pct: -60, renewal_date: +200d, consent_sms: true}",
            "",
        ]
        return "\n".join(out)


def generate_stack(seed: int = DEFAULT_SEED, rules: int = DEFAULT_RULES) -> str:
    """The YAML text of a generated stack (the same text for the same seed and rule count)."""
    return _Generator(seed, rules).text()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path, default=Path("generated_stack.yaml"), help="file to write")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--rules", type=int, default=DEFAULT_RULES)
    args = parser.parse_args(argv)
    text = generate_stack(args.seed, args.rules)
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output} ({len(text.splitlines())} lines, {args.rules} rules, seed {args.seed})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
