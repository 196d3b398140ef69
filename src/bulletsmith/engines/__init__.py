"""Engines turn a bullet into an Analysis and answers into a Rewrite. The Assistant picks one."""
