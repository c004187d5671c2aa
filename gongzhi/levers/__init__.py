"""Leaders' levers (issue 20): 书记项目 报·审·督·晒 (`secretary`) and 包联, units paired with
communities by the five principles (`baolian`, solved by `pairing`)."""
