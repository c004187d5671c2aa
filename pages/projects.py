"""项目清单 Projects: filter and open projects; create one from the demands and resources picked on
the list pages; record milestones, progress and spending."""
from ui import lists, session

lists.show_page("project", session.require_identity())
