"""The grid worker's day (网格员的一天): the people a grid looks after (特殊群体台账), the rounds a
grid worker makes (每日例访 / 夜间巡逻 / 重点整治) and their findings, solved on the spot or reported
up as a demand or a whistle event, and the daily summary rolled up grid → community → street.

`forms.py` checks what a worker enters (the ID number by its GB 11643-1999 check digit),
`commands.py` writes (one transaction each, as the signed-in user), `queries.py` reads the day
page, the ledger, campaign counts and the summaries, `demo.py` adds the demo district's share.
The visit due dates are the database's (public.care_person.next_due_on, in working days of
public.work_calendar, the whistle's calendar).
"""
