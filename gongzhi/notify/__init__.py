"""Notifications where staff already are: 企业微信 (WeCom) group robots and 钉钉 (DingTalk) robots.

`robots` keeps each unit's or department's robot (as the signed-in user, under row-level security);
`message` writes the text (no personal data) and each robot's request; `job` is
`python -m gongzhi notify`: it finds what happened since the last run, queues one notification per
event, step and robot, and sends the queue as digests within each robot's rate limit.
"""
