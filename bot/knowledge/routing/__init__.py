"""Question routing: a typed question to the explainer that answers it, or to none."""

from __future__ import annotations

from bot.knowledge.routing.config import RouterConfig, load_router_config
from bot.knowledge.routing.router import Router, RouteResult

__all__ = ["RouteResult", "Router", "RouterConfig", "load_router_config"]
