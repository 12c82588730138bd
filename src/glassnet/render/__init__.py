"""Views of glassnet's computed results: text, LaTeX, HTML."""
