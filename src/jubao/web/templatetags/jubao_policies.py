"""`{% if request.user|may:"cases.supervise" %}`: show a link only to those the policy allows."""

from __future__ import annotations

from typing import Any

from django import template

from jubao.accounts.policies import policy

register = template.Library()


@register.filter
def may(user: Any, action: str) -> bool:
    """Whether `user` may perform `action` (an entry of accounts.policies.POLICIES)."""
    return policy(action).allows(user)
