"""Planning: what a community can do (measures) and the least-weight set of them that makes it
reach a grade (pathways)."""
