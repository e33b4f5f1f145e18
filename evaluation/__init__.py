"""The evaluation harness (`policybot eval retrieval`, `policybot eval answers`): query sets, metrics, the
bigram baseline. The top of the knowledge layers: it may import knowledge, search and index_builder."""
