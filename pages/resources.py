"""资源清单 Resources: filter, page through, open, change and add the resources serving the user's territory."""
from ui import lists, session

lists.show_page("resource", session.require_identity())
