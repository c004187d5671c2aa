"""Matching (对接): ranked suggestions with reasons, one-click assignment, batch matching (对接会),
the match lifecycle, lapsing of unanswered proposals, and projects made from matched sets.

scoring.py   the points of each factor (SQL) and their reasons in plain words
queries.py   open demands, suggestions, matches, providers that let proposals lapse
commands.py  assign, accept / reject / done / cancel / rate, lapse, project from matches
optimise.py  min-cost flow (OR-Tools) and the greedy pass, on plain arrays
batch.py     the 对接会: candidate edges from the database, preview, commit in one transaction
"""
