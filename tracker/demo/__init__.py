"""Demo data for trying the portal, never part of the seed fixtures. Each area has its module."""

from tracker.demo.plans import ACCOUNTS, DEMO_PASSWORD, DemoAccount
from tracker.demo.seed import seed_demo

__all__ = ["ACCOUNTS", "DEMO_PASSWORD", "DemoAccount", "seed_demo"]
