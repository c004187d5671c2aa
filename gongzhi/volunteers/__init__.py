"""Volunteers (双报到): public applications, resident units and in-service members registered at their
community, service posts and activities with sign-ups and a waitlist, service records, the
half-yearly assessment (双考核) and the pledged-versus-delivered ledger.

forms.py validates input, commands.py writes (one transaction each, under row-level security),
queries.py reads (paginated in SQL), assessment.py documents the formula and exports results,
seed.py adds the demo and benchmark rows. The rules that must hold for every client live in the
migrations `…_volunteer_registration.sql`, `…_volunteer_posts_and_signups.sql` and
`…_volunteer_service_and_assessment.sql`.
"""
