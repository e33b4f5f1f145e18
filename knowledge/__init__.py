"""The corpus: the policy documents (corpus/: the text; rules/: their conditions), their schema, loading and
validation, dates and a document's window (freshness). The lowest layer: it imports none of search,
index_builder or evaluation."""
