"""Crux: red-flag triage first, then causal reasoning from where it hurts to why.

Crux supports decisions; it does not diagnose. The public API is small:

- :func:`crux.assess.assess` turns a validated case into an assessment.
- :func:`crux.contract.parse_case` validates a case and reports every problem.
"""

__version__ = "0.1.0"
