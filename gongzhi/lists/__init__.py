"""The three lists (demands, resources, projects): their fields, forms, queries and commands."""
