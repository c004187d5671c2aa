"""需求清单 Demands: filter, page through, open, change and add the demands of the user's territory."""
from ui import lists, session

lists.show_page("demand", session.require_identity())
