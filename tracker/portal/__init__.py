"""The site's frame: home page, evidence download, middleware, context processors, form renderer."""
