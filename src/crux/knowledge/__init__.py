"""The knowledge base: validated YAML data with citations, and its compilation to a network.

Public API:

- :func:`load_knowledge` reads and validates the shipped knowledge base.
- :func:`check_knowledge` lists the problems a clinician must fix (empty when sound).
- :func:`compile_network` turns the knowledge into the noisy-OR network the engine reasons on.
"""

from crux.knowledge.check import check_knowledge
from crux.knowledge.compile import compile_network
from crux.knowledge.loader import KnowledgeError, load_knowledge
from crux.knowledge.schema import KnowledgeBase

__all__ = [
    "KnowledgeBase",
    "KnowledgeError",
    "check_knowledge",
    "compile_network",
    "load_knowledge",
]
