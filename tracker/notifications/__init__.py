"""Notifications (issue 15): what the portal tells a person when something needs them, in the portal (the bell, the
list) and through the channels of their institution (e-mail, group-robot webhooks of 企业微信 and 钉钉)."""
