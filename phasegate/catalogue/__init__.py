"""The catalogue: what each phase promises, read from the repository.

``criteria`` (the criteria of every phase, from its features and phase.yaml; what a step reads),
``claims`` (the hand-written report's claims and the table that accounts for each), ``waivers``
(accepted failures, from the environment's waivers file).
"""
